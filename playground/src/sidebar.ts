/** The sidebar: the registry's components, searchable, a page at a time. */
import type { Api, ComponentSummary } from './api.js';
import { debounce, h, replace } from './dom.js';

const PER_PAGE = 20;

export interface SidebarOptions {
  api: Api;
  onSelect(name: string): void;
  /** Each list answer: how many components match `query` ('' = the whole registry). */
  onList?(total: number, query: string): void;
}

export function createSidebar(container: HTMLElement, { api, onSelect, onList }: SidebarOptions) {
  const search = h('input', {
    type: 'search',
    class: 'search',
    placeholder: 'Search components…',
    'aria-label': 'Search components',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const status = h('p', { class: 'list-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'component-list', 'aria-label': 'Components' });
  const more = h('button', { type: 'button', class: 'button ghost load-more', hidden: true }, 'Load more');
  container.append(h('div', { class: 'search-box' }, search), status, list, more);

  let query = '';
  let page = 0;
  let shown = 0;
  let selected: string | null = null;
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
      const result = await api.list(query, page + 1, PER_PAGE, current.signal);
      if (current !== controller) return;
      page = result.page;
      if (reset) list.replaceChildren();
      for (const component of result.components) list.append(item(component));
      shown += result.components.length;
      describe(result.total);
      onList?.(result.total, query);
      more.hidden = shown >= result.total;
      more.textContent = `Load more (${shown} of ${result.total})`;
    } catch (error) {
      if ((error as Error).name === 'AbortError' || current !== controller) return;
      const retry = h('button', { type: 'button', class: 'link', onclick: () => load(reset) }, 'Retry');
      replace(status, h('span', { class: 'text-error' }, (error as Error).message), ' ', retry);
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

  function item(component: ComponentSummary) {
    const button = h(
      'button',
      { type: 'button', class: 'component-item', 'data-component': component.name, onclick: () => onSelect(component.name) },
      h('span', { class: 'item-head' }, h('span', { class: 'item-name' }, component.name), component.latest ? h('span', { class: 'badge' }, component.latest) : null),
      component.description ? h('span', { class: 'item-description' }, component.description) : null,
    );
    if (component.name === selected) button.setAttribute('aria-current', 'true');
    return h('li', {}, button);
  }

  const onSearch = debounce(() => {
    query = search.value.trim();
    void load(true);
  }, 250);
  search.addEventListener('input', onSearch);
  more.addEventListener('click', () => void load(false));
  void load(true);

  return {
    setSelected(name: string | null) {
      selected = name;
      for (const button of list.querySelectorAll<HTMLButtonElement>('.component-item')) {
        if (button.dataset.component === name) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
      }
    },
  };
}
