/** The registry's components, searchable, a page at a time: the sidebar's list and the admin view's. */
import type { Api, ComponentSummary } from './api.js';
import { debounce, h, replace } from './dom.js';

export interface ComponentListOptions {
  api: Api;
  perPage: number;
  /** The class of the `<ul>`. */
  listClass: string;
  /** What one `<li>` holds. */
  item(component: ComponentSummary): Node;
  /** Each list answer: how many components match `query` ('' = the whole registry). */
  onList?(total: number, query: string): void;
  /** The message of a failed load (default: the error's own). */
  explain?(error: unknown): string;
}

/** Fills `container` with a search box, a status line, the list and "Load more". */
export function createComponentList(container: HTMLElement, { api, perPage, listClass, item, onList, explain = (error) => (error as Error).message }: ComponentListOptions) {
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Search components…',
    'aria-label': 'Search components',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const status = h('p', { class: 'list-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: listClass, 'aria-label': 'Components' });
  const more = h('button', { type: 'button', class: 'button ghost load-more', hidden: true }, 'Load more');
  container.append(h('div', { class: 'search-box' }, search), status, list, more);

  let query = '';
  let page = 0;
  let shown = 0;
  let controller: AbortController | null = null;

  async function load(reset: boolean) {
    controller?.abort();
    const current = (controller = new AbortController());
    if (reset) {
      page = 0;
      shown = 0;
    }
    container.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      const result = await api.list(query, page + 1, perPage, current.signal);
      if (current !== controller) return;
      page = result.page;
      if (reset) list.replaceChildren();
      for (const component of result.components) list.append(h('li', {}, item(component)));
      shown += result.components.length;
      describe(result.total);
      onList?.(result.total, query);
      more.hidden = shown >= result.total;
      more.textContent = `Load more (${shown} of ${result.total})`;
    } catch (error) {
      if ((error as Error).name === 'AbortError' || current !== controller) return;
      const retry = h('button', { type: 'button', class: 'link', onclick: () => load(reset) }, 'Retry');
      replace(status, h('span', { class: 'text-error' }, explain(error)), ' ', retry);
    } finally {
      if (current === controller) {
        container.removeAttribute('aria-busy');
        more.disabled = false;
      }
    }
  }

  function describe(total: number) {
    if (total > 0) replace(status, `${total} component${total === 1 ? '' : 's'}${query ? ` matching “${query}”` : ''}`);
    else if (query) replace(status, `No components match “${query}”.`);
    else replace(status, h('strong', {}, 'No components yet.'));
  }

  const onSearch = debounce(() => {
    query = search.value.trim();
    void load(true);
  }, 250);
  search.addEventListener('input', onSearch);
  more.addEventListener('click', () => void load(false));
  void load(true);

  return { list };
}
