/**
 * The view in the URL — `?component=<name>&version=<v>&p.<key>=<value>` — so a link or a
 * reload reproduces it. A key present with an empty value is a field the user cleared.
 */

export interface ViewState {
  component: string | null;
  version: string | null;
  /** Raw form values by parameter key, as typed (strings; booleans as "true"/"false"). */
  values: Record<string, string>;
}

const PREFIX = 'p.';

export function readUrlState(search: string): ViewState {
  const query = new URLSearchParams(search);
  const values: Record<string, string> = {};
  for (const [key, value] of query) if (key.startsWith(PREFIX) && key.length > PREFIX.length) values[key.slice(PREFIX.length)] = value;
  return { component: query.get('component') || null, version: query.get('version') || null, values };
}

export function urlSearch(state: ViewState): string {
  if (!state.component) return '';
  const query = new URLSearchParams({ component: state.component });
  if (state.version) query.set('version', state.version);
  for (const [key, value] of Object.entries(state.values)) query.set(PREFIX + key, value);
  return `?${query}`;
}

/** Replaces (never pushes) the history entry: typing in a field is not navigation. */
export function writeUrlState(state: ViewState): void {
  const search = urlSearch(state);
  if (search === location.search) return;
  history.replaceState(history.state, '', `${location.pathname}${search}${location.hash}`);
}

/** The admin view's tabs, in the hash (`#/admin/tokens`), so the component state in the query survives a visit. */
export const ADMIN_TABS = ['tokens', 'components', 'audit'] as const;
export type AdminTab = (typeof ADMIN_TABS)[number];

/** `#/admin` (tokens) or `#/admin/<tab>` → the tab; any other hash → null (the component view). */
export function readAdminRoute(hash: string): AdminTab | null {
  const match = /^#\/admin(?:\/([a-z]+))?\/?$/.exec(hash);
  if (!match) return null;
  const tab = (match[1] ?? 'tokens') as AdminTab;
  return ADMIN_TABS.includes(tab) ? tab : 'tokens';
}

export function adminHash(tab: AdminTab): string {
  return `#/admin/${tab}`;
}
