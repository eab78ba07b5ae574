/**
 * `mikr0 token create|list|revoke`. Without --registry it works on the registry's database
 * directly (token-database.ts): access to the database is the authority, no server needed.
 * With --registry it goes through the registry's admin routes (token-http.ts), for a registry
 * whose database is out of reach. MIKR0_REGISTRY alone does not switch to HTTP: it is commonly
 * set for `mikr0 publish`, and `mikr0 token` on the registry's own machine must keep working.
 * Every flag is checked first, so a typo never leaves a fresh database or a request behind.
 */
import { parseDuration, parseNamePatterns, SCOPES, type Scope } from '../../registry-lite/index.js';
import type { CreatedToken, TokenJson } from '../../runtime/shared/api.js';
import type { Credentials } from '../http.js';
import { cliError, color, formatTime, note, print, table } from '../output.js';

export interface TokenFlags extends Credentials {
  scope?: string | string[];
  label?: string;
  names?: string | string[];
  expires?: string;
  data?: string;
  config?: string;
  registry?: string;
  json?: boolean;
}

/** A token to create, its flags checked. */
export interface NewToken {
  scopes: Scope[];
  label: string;
  /** null: every name. */
  names: string[] | null;
  /** As typed (the registry parses it again) and in ms. */
  expires: { text: string; ms: number } | null;
}

/** Where tokens live: the database itself, or a registry's admin routes. */
export interface TokenStore {
  create(request: NewToken): Promise<CreatedToken>;
  list(): Promise<TokenJson[]>;
  /** false when there is no active token with that id. */
  revoke(id: string): Promise<boolean>;
}

const ACTIONS = ['create', 'list', 'revoke'] as const;
type Action = (typeof ACTIONS)[number];

export async function token(action: string, id: string | undefined, flags: TokenFlags): Promise<void> {
  if (!ACTIONS.includes(action as Action)) {
    throw cliError(`unknown token action "${action}"`, `use one of: ${ACTIONS.map((a) => `mikr0 token ${a}`).join(', ')}`);
  }
  const request = action === 'create' ? newToken(flags) : undefined;
  if (action === 'revoke' && !id) throw cliError('which token? pass its id', 'e.g. mikr0 token revoke abc123def456 (ids are in: mikr0 token list)');
  // A whole token pasted for revoke is taken by its id: its secret must not be printed again, nor
  // travel in a URL, which access logs keep.
  const target = id && (/^mikr0_([a-z0-9]{12})_/.exec(id)?.[1] ?? id);
  const run = (store: TokenStore) => perform(store, action as Action, { id: target, request, json: Boolean(flags.json) });

  if (flags.registry !== undefined) {
    if (flags.data !== undefined || flags.config !== undefined) {
      throw cliError(
        '--registry works over HTTP, --data and --config on the database: pick one',
        'on the registry\'s machine: --data or --config; from elsewhere: --registry with admin credentials',
      );
    }
    const { httpTokens } = await import('./token-http.js');
    return run(httpTokens(flags, action));
  }
  if (flags.token !== undefined || flags.user !== undefined || flags.password !== undefined) {
    // Most likely meant for a registry named by MIKR0_REGISTRY, which alone does not switch to HTTP.
    throw cliError(
      'credentials (--token, --user, --password) go with --registry: without it this works on the database itself',
      `to use the registry's admin API add --registry ${process.env.MIKR0_REGISTRY ? '"$MIKR0_REGISTRY"' : '<url>'}; on its machine, drop the credentials`,
    );
  }
  const { withDatabaseTokens } = await import('./token-database.js');
  return withDatabaseTokens(flags, action === 'create', run);
}

async function perform(store: TokenStore, action: Action, { id, request, json }: { id?: string; request?: NewToken; json: boolean }) {
  if (action === 'create') return create(store, request!);
  if (action === 'list') return list(store, json);
  if (!(await store.revoke(id!))) {
    throw cliError(`no active token "${id}"`, 'it may be revoked already; see the ids with: mikr0 token list');
  }
  print(`revoked token ${id}`);
}

/** The create flags, checked: scope, names, expiry, label. */
function newToken(flags: TokenFlags): NewToken {
  const scopes = parseScopes(flags.scope);
  const names = flags.names === undefined ? null : parseNames(flags.names);
  if (names && scopes.includes('admin')) {
    throw cliError('--names limits publish tokens; an admin token acts on every name', 'drop --names, or create the token with --scope publish');
  }
  return { scopes, label: flags.label === undefined ? '' : String(flags.label), names, expires: parseExpires(flags.expires) };
}

function parseScopes(raw: TokenFlags['scope']): Scope[] {
  const valid = `valid scopes: ${SCOPES.join(', ')}`;
  if (raw === undefined || raw === '' || (raw as unknown) === true) {
    throw cliError('a token needs a scope: pass --scope publish or --scope admin', valid);
  }
  const scopes = [raw].flat().flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (unknown.length) throw cliError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}`, valid);
  return [...new Set(scopes)] as Scope[];
}

/** `--names a,b` or `--names a --names b`; registry-lite says what is wrong with a pattern. */
function parseNames(raw: string | string[]): string[] {
  try {
    return parseNamePatterns([raw].flat().map(String));
  } catch (error) {
    throw cliError(`--names: ${(error as Error).message}`, "e.g. --names '@checkout/*,header' (* matches any run of characters; leave --names out for every name)");
  }
}

function parseExpires(raw: string | undefined): NewToken['expires'] {
  if (raw === undefined) return null;
  const text = String(raw);
  try {
    return { text, ms: parseDuration(text) };
  } catch (error) {
    throw cliError(`--expires: ${(error as Error).message}`, 'e.g. --expires 30d (units: s, m, h, d; leave --expires out for a token that never expires)');
  }
}

async function create(store: TokenStore, request: NewToken) {
  const { token, info } = await store.create(request);
  // Only the token on stdout, so `MIKR0_TOKEN=$(mikr0 token create ...)` captures exactly it.
  print(token);
  const limits = [
    info.names ? `for ${info.names.join(', ')}` : '',
    info.expiresAt ? `until ${formatTime(info.expiresAt)} UTC` : '',
  ].filter(Boolean);
  note(
    `created ${info.scopes.join(',')} token ${info.id}${info.label ? ` (${info.label})` : ''}${limits.length ? ` ${limits.join(' ')}` : ''}: ` +
      'it is shown once, store it as MIKR0_TOKEN',
  );
}

async function list(store: TokenStore, json: boolean) {
  const tokens = await store.list();
  // Never a secret here: TokenInfo has none, over HTTP or from the database.
  if (json) return print(JSON.stringify(tokens, null, 2));
  if (tokens.length === 0) {
    note('no tokens yet: create one with mikr0 token create --scope publish');
    return;
  }
  const rows = tokens.map((t) => [
    t.id,
    t.label || '-',
    t.scopes.join(','),
    t.names ? t.names.join(',') : '*',
    formatTime(t.createdAt),
    formatTime(t.lastUsedAt),
    t.expired ? color.red(`expired ${formatTime(t.expiresAt)}`) : formatTime(t.expiresAt),
    t.revoked ? color.red('revoked') : '-',
  ]);
  print(table(['ID', 'LABEL', 'SCOPES', 'NAMES', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED'], rows));
}
