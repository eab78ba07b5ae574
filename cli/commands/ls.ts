/** `mikr0 ls [query]`: every component in a registry (all pages), optionally filtered. */
import { createClient, registryUrl } from '../http.js';
import { color, note, print, table } from '../output.js';
import type { ComponentList, ComponentSummary } from '../../runtime/shared/api.js';

export interface LsFlags {
  registry?: string;
  json?: boolean;
}

/** The registry's maximum page size: fewest round trips. */
const PER_PAGE = 100;

export async function ls(query: string | undefined, flags: LsFlags): Promise<void> {
  const client = createClient(registryUrl(flags.registry));
  const components: ComponentSummary[] = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({ q: query ?? '', page: String(page), per_page: String(PER_PAGE) });
    const { body } = await client.request<ComponentList>(`/r/components?${params}`);
    components.push(...body.components);
    // Stop on a short page too, so a registry whose total is off cannot loop us forever.
    if (components.length >= body.total || body.components.length < PER_PAGE) break;
  }
  if (flags.json) return print(JSON.stringify(components, null, 2));
  if (components.length === 0) {
    note(query ? `no components match "${query}"` : `no components in ${client.url} yet: publish one with mikr0 publish`);
    return;
  }
  const rows = components.map((c) => [
    c.name,
    // Every version deprecated: nothing resolves as "latest", say so rather than print a blank.
    c.latest ?? color.yellow('deprecated'),
    c.description ?? '',
  ]);
  print(table(['NAME', 'LATEST', 'DESCRIPTION'], rows));
  note(`${components.length} component${components.length === 1 ? '' : 's'}`);
}
