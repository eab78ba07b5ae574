/** The sidebar: the registry's components, searchable, a page at a time; picking one selects it. */
import type { Api, ComponentSummary } from './api.js';
import { createComponentList } from './component-list.js';
import { h } from './dom.js';

const PER_PAGE = 20;

export interface SidebarOptions {
  api: Api;
  onSelect(name: string): void;
  /** Each list answer: how many components match `query` ('' = the whole registry). */
  onList?(total: number, query: string): void;
}

export function createSidebar(container: HTMLElement, { api, onSelect, onList }: SidebarOptions) {
  let selected: string | null = null;

  function item(component: ComponentSummary) {
    const button = h(
      'button',
      { type: 'button', class: 'component-item', 'data-component': component.name, onclick: () => onSelect(component.name) },
      h('span', { class: 'item-head' }, h('span', { class: 'item-name' }, component.name), component.latest ? h('span', { class: 'badge' }, component.latest) : null),
      component.description ? h('span', { class: 'item-description' }, component.description) : null,
    );
    if (component.name === selected) button.setAttribute('aria-current', 'true');
    return button;
  }

  const { list } = createComponentList(container, { api, perPage: PER_PAGE, listClass: 'component-list', item, onList });

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
