/** The admin view's Audit log tab: newest first, filtered by time, action and name, a page at a time. */
import { AUDIT_ACTIONS, type AuditEntry, type AuditFilter } from './admin-api.js';
import type { AdminContext } from './admin-view.js';
import { formatTime, h, replace } from './dom.js';

const LIMIT = 50;

export function createAuditTab({ admin, explain }: AdminContext): HTMLElement {
  const since = h('input', { id: 'audit-since', class: 'input', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '24h, 7d or 2026-11-01' });
  const action = h('select', { id: 'audit-action', class: 'input' }, new Option('every action', ''), ...AUDIT_ACTIONS.map((name) => new Option(name, name)));
  const name = h('input', { id: 'audit-name', class: 'input', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'exact component name' });
  const apply = h('button', { type: 'submit', class: 'button primary' }, 'Apply');
  const form = h(
    'form',
    { class: 'audit-filters', novalidate: true },
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'audit-since' }, h('span', { class: 'field-name' }, 'Since')), since),
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'audit-action' }, h('span', { class: 'field-name' }, 'Action')), action),
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'audit-name' }, h('span', { class: 'field-name' }, 'Component')), name),
    h('div', { class: 'form-actions' }, apply),
  );
  const status = h('p', { class: 'list-status', role: 'status' }, 'Loading…');
  const body = h('tbody', {});
  const table = h(
    'div',
    { class: 'table-scroll' },
    h('table', { class: 'admin-table audit-table' }, h('thead', {}, h('tr', {}, ...['Time', 'Action', 'Actor', 'Component', 'Detail', 'From'].map((text) => h('th', { scope: 'col' }, text)))), body),
  );
  const more = h('button', { type: 'button', class: 'button ghost load-more', hidden: true }, 'Load more');

  let filter: AuditFilter = {};
  let next: number | null = null;
  let shown = 0;
  let controller: AbortController | null = null;

  async function load(reset: boolean) {
    controller?.abort();
    const current = (controller = new AbortController());
    if (reset) {
      next = null;
      shown = 0;
    }
    more.disabled = apply.disabled = true;
    try {
      const page = await admin.audit({ ...filter, limit: LIMIT, before: next ?? undefined }, current.signal);
      if (current !== controller) return;
      if (reset) body.replaceChildren();
      body.append(...page.entries.map(row));
      shown += page.entries.length;
      next = page.next;
      more.hidden = next === null;
      replace(status, shown ? `${shown} entr${shown === 1 ? 'y' : 'ies'}${next === null ? '' : ' so far'}, newest first` : 'No entries match.');
      table.hidden = shown === 0;
    } catch (error) {
      if ((error as Error).name === 'AbortError' || current !== controller) return;
      replace(status, h('span', { class: 'text-error' }, explain(error)));
    } finally {
      if (current === controller) more.disabled = apply.disabled = false;
    }
  }

  function row(entry: AuditEntry) {
    const component = entry.name ? `${entry.name}${entry.version ? `@${entry.version}` : ''}` : '';
    return h(
      'tr',
      { 'data-audit-id': entry.id, 'data-action': entry.action },
      h('td', { class: 'nowrap' }, h('time', { datetime: entry.at }, formatTime(entry.at))),
      h('td', {}, h('span', { class: `audit-action ${entry.action.replace('.', '-')}` }, entry.action)),
      h('td', { 'data-actor': '' }, entry.actor, entry.tokenId ? h('span', { class: 'token-id' }, entry.tokenId) : null),
      h('td', { 'data-component': '' }, component ? h('code', {}, component) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'audit-detail' }, entry.detail ?? ''),
      h('td', { class: 'muted' }, entry.address, entry.requestId ? h('span', { class: 'token-id', title: 'Request id' }, entry.requestId) : null),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filter = { since: since.value.trim(), action: action.value, name: name.value.trim() };
    void load(true);
  });
  more.addEventListener('click', () => void load(false));
  void load(true);

  return h('div', { class: 'admin-tab', 'data-admin-tab': 'audit' }, h('section', { class: 'panel' }, form, status, table, more));
}
