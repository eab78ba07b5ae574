/**
 * `mikr0 audit`: the registry's audit log (who published, deprecated, unpublished, made or
 * revoked a token, failed to sign in), newest first, page after page up to --limit entries.
 * The registry checks --since, --until and --action, so their forms are defined in one place.
 */
import type { AuditEntryJson, AuditPage } from '../../runtime/shared/api.js';
import { adminAuthorization, adminHints, createClient, registryUrl, type Credentials } from '../http.js';
import { cliError, formatTime, note, print, table } from '../output.js';

export interface AuditFlags extends Credentials {
  registry?: string;
  since?: string;
  until?: string;
  action?: string | string[];
  name?: string;
  limit?: string | number;
  json?: boolean;
}

const DEFAULT_LIMIT = 100;
/** The registry's largest page. */
const PAGE = 1000;

export async function audit(flags: AuditFlags): Promise<void> {
  const limit = parseLimit(flags.limit);
  const auth = adminAuthorization(flags, 'reading the audit log');
  const client = createClient(registryUrl(flags.registry));
  const filters = new URLSearchParams();
  if (flags.since !== undefined) filters.set('since', String(flags.since));
  if (flags.until !== undefined) filters.set('until', String(flags.until));
  if (flags.action !== undefined) filters.set('action', [flags.action].flat().join(','));
  if (flags.name !== undefined) filters.set('name', String(flags.name));

  const entries: AuditEntryJson[] = [];
  let next: number | null = null;
  do {
    const params = new URLSearchParams(filters);
    params.set('limit', String(Math.min(PAGE, limit - entries.length)));
    if (next !== null) params.set('before', String(next));
    const { body }: { body: AuditPage } = await client.request<AuditPage>(`/r/audit?${params}`, {
      headers: { authorization: auth },
      hints: { ...adminHints(auth), 400: 'see the forms each filter takes: mikr0 audit --help' },
    });
    entries.push(...body.entries);
    // Stop on an empty page too, so a registry that keeps answering `next` cannot loop us forever.
    next = body.entries.length === 0 ? null : body.next;
  } while (next !== null && entries.length < limit);

  if (flags.json) return print(JSON.stringify(entries, null, 2));
  if (entries.length === 0) return note('no audit entries match');
  print(
    table(
      ['TIME', 'ACTION', 'ACTOR', 'ADDRESS', 'COMPONENT', 'REQUEST', 'DETAIL'],
      entries.map((e) => [
        formatTime(e.at),
        e.action,
        e.actor,
        e.address,
        e.name ? (e.version ? `${e.name}@${e.version}` : e.name) : '-',
        e.requestId ?? '-',
        e.detail ?? '',
      ]),
    ),
  );
  const more = next !== null ? `; older ones with a larger --limit, or --until ${entries.at(-1)!.at}` : '';
  note(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, newest first${more}`);
}

function parseLimit(raw: AuditFlags['limit']): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    throw cliError(`--limit must be a whole number of entries, at least 1 (got "${raw}")`, `e.g. --limit 500 (default ${DEFAULT_LIMIT})`);
  }
  return limit;
}
