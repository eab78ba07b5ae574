/**
 * The admin view's Components tab: every component, and, opened, each version with its usage,
 * deprecate (with a message) or undeprecate, and unpublish. A version rendered in the last
 * 24 hours is refused (409 RECENTLY_RENDERED) until the admin confirms "unpublish anyway".
 */
import type { VersionWithUsage } from './admin-api.js';
import type { AdminContext } from './admin-view.js';
import { isMikr0Error, type ComponentSummary } from './api.js';
import { createComponentList } from './component-list.js';
import { sortVersions } from './component-header.js';
import { formatTime, h, replace } from './dom.js';
import { hasUsage, renderUsage } from './usage-chart.js';

const PER_PAGE = 50;

export function createComponentsTab(context: AdminContext): HTMLElement {
  const { api, explain } = context;
  const element = h('div', { class: 'admin-tab', 'data-admin-tab': 'components' });

  function componentItem(component: ComponentSummary) {
    const body = h('div', { class: 'admin-versions' }, h('p', { class: 'muted' }, 'Loading…'));
    const details = h(
      'details',
      { class: 'panel admin-component', 'data-admin-component': component.name },
      h(
        'summary',
        {},
        h('span', { class: 'item-name' }, component.name),
        component.latest ? h('span', { class: 'badge' }, component.latest) : null,
        h('span', { class: 'muted' }, `${component.versions.length} version${component.versions.length === 1 ? '' : 's'}`),
      ),
      body,
    );
    // The versions load when first opened, and again after each change.
    details.addEventListener('toggle', () => {
      if (details.open && !details.dataset.loaded) void loadVersions(component.name, body, details);
    });
    return details;
  }

  async function loadVersions(name: string, body: HTMLElement, details: HTMLElement) {
    try {
      const detail = await api.detail(name);
      details.dataset.loaded = 'true';
      const versions = sortVersions(detail.versions as VersionWithUsage[]);
      replace(body, ...versions.map((version) => versionRow(name, version, detail.latest, () => loadVersions(name, body, details))));
    } catch (error) {
      replace(body, h('p', { class: 'text-error' }, explain(error)));
    }
  }

  function versionRow(name: string, version: VersionWithUsage, latest: string | null, reload: () => Promise<void>) {
    const message = h('div', { class: 'row-message', 'data-row-message': '', role: 'status', 'aria-live': 'polite' });
    const fail = (error: unknown) => replace(message, h('span', { class: 'text-error' }, explain(error)));
    const controls = h('div', { class: 'version-controls' });

    /** Runs a change with the row's buttons disabled, then reloads the versions (or says why not). */
    async function change(run: () => Promise<unknown>) {
      for (const button of controls.querySelectorAll('button')) button.disabled = true;
      replace(message);
      try {
        await run();
        await reload();
      } catch (error) {
        for (const button of controls.querySelectorAll('button')) button.disabled = false;
        if (isMikr0Error(error) && (error.code as string) === 'RECENTLY_RENDERED') return offerForce(error.message);
        fail(error);
      }
    }

    function offerForce(text: string) {
      const anyway = h('button', { type: 'button', class: 'button small danger', onclick: () => void change(() => context.admin.unpublish(name, version.version, true)) }, 'Unpublish anyway');
      replace(message, h('p', { class: 'notice warning' }, text), anyway);
    }

    if (!version.unpublished) {
      if (version.deprecated) {
        controls.append(h('button', { type: 'button', class: 'button small', onclick: () => void change(() => context.admin.deprecate(name, version.version, null)) }, 'Undeprecate'));
      } else {
        const input = h('input', { class: 'input deprecation-message', type: 'text', placeholder: 'Why, and what to use instead', 'aria-label': `Deprecation message for ${version.version}` });
        const deprecate = h('button', { type: 'submit', class: 'button small' }, 'Deprecate');
        const form = h('form', { class: 'deprecate-form', novalidate: true }, input, deprecate);
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          const text = input.value.trim();
          if (!text) return replace(message, h('span', { class: 'text-error' }, 'Say why it is deprecated and what to use instead: pages using it show this message.'));
          void change(() => context.admin.deprecate(name, version.version, text));
        });
        controls.append(form);
      }
      const unpublish = h('button', { type: 'button', class: 'button small danger' }, 'Unpublish');
      unpublish.addEventListener('click', () => {
        if (!confirm(`Unpublish ${name}@${version.version}? Pages that still render it get 410 Gone, and its number can never be published again.`)) return;
        void change(() => context.admin.unpublish(name, version.version));
      });
      controls.append(unpublish);
    }

    const state = version.unpublished
      ? h('span', { class: 'status-pill revoked', 'data-version-state': 'unpublished' }, `unpublished ${formatTime(version.unpublished)}`)
      : version.deprecated
        ? h('span', { class: 'status-pill expired', 'data-version-state': 'deprecated' }, `deprecated: ${version.deprecated}`)
        : h('span', { class: 'status-pill active', 'data-version-state': 'active' }, version.version === latest ? 'latest' : 'active');
    return h(
      'div',
      { class: 'admin-version', 'data-admin-version': version.version },
      h('div', { class: 'version-head' }, h('strong', { class: 'version-number' }, version.version), state, h('span', { class: 'published' }, `published ${formatTime(version.publishedAt)}`)),
      hasUsage(version) ? renderUsage(version, { label: 'Usage' }) : null,
      controls,
      message,
    );
  }

  createComponentList(element, { api, perPage: PER_PAGE, listClass: 'admin-components', item: componentItem, explain });
  return element;
}
