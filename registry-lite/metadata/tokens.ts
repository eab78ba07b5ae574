/**
 * API tokens over any backend: `mikr0_<id>_<secret>`. Only a SHA-256 of the secret is stored
 * (the secret has 192 random bits, so a slow hash adds nothing); lookups go by id and the
 * hashes are compared in constant time. A publish token may be limited to name patterns
 * (`@checkout/*,header`) and any token may expire. Creating and revoking are audited when
 * the caller says who does it (`by`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Audit, Actor } from './audit.js';
import type { MetadataBackend, Scope, TokenInfo, TokenRow } from './types.js';

export const SCOPES: readonly Scope[] = ['publish', 'admin'];

const TOKEN = /^mikr0_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** What `verify` found: the token's row, or why it is refused (`id` when the token named one). */
export type Verified =
  | { ok: true; row: TokenRow }
  | { ok: false; reason: 'malformed' | 'invalid' | 'revoked'; id: string | null }
  | { ok: false; reason: 'expired'; id: string; expiresAt: number };

export interface CreateOptions {
  /** Name patterns a publish token is limited to (a list, or one comma-separated string); null or omitted for every name. */
  names?: string[] | string | null;
  /** Lifetime from now as a duration, `'30d'`, `'12h'`, `'15m'`, `'45s'` (or `expiresInMs`); omitted never expires. */
  expires?: string | null;
  /** Lifetime from now in ms; null or omitted never expires. */
  expiresInMs?: number | null;
  /** Who creates it, for the audit log. */
  by?: Actor;
}

export function createTokens(backend: MetadataBackend, audit: Audit) {
  return {
    /** Creates a token; the returned `token` is the only time the secret is seen. */
    async create(scopes: Scope[], label = '', options: CreateOptions = {}): Promise<{ token: string; info: TokenInfo }> {
      for (const scope of scopes) {
        if (!SCOPES.includes(scope)) throw new TypeError(`Unknown token scope "${scope}": use ${SCOPES.join(' or ')}`);
      }
      if (scopes.length === 0) throw new TypeError(`A token needs at least one scope: ${SCOPES.join(' or ')}`);
      const names = options.names == null ? null : parseNamePatterns(options.names);
      if (names && scopes.includes('admin')) {
        throw new TypeError('Name patterns limit publish tokens; an admin token manages the whole registry: drop the names or the admin scope');
      }
      const expiresInMs = options.expires != null ? parseDuration(options.expires) : options.expiresInMs;
      if (expiresInMs != null && !(Number.isFinite(expiresInMs) && expiresInMs > 0)) {
        throw new TypeError(`A token's lifetime must be a positive duration, got ${expiresInMs}`);
      }
      const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
      const secret = randomBytes(24).toString('base64url');
      const now = Date.now();
      await backend.insertToken({
        id,
        hash: sha256(secret).toString('hex'),
        label,
        scopes: [...scopes],
        names,
        createdAt: now,
        lastUsedAt: null,
        expiresAt: expiresInMs == null ? null : now + expiresInMs,
        revokedAt: null,
      });
      const info = toInfo((await backend.getToken(id))!);
      if (options.by) await audit.record('token.create', options.by, { detail: describeToken(info) });
      return { token: `mikr0_${id}_${secret}`, info };
    },

    /** The token's row when it is valid (and records the use), else why not. */
    async verify(token: string): Promise<Verified> {
      const match = TOKEN.exec(token);
      if (!match) return { ok: false, reason: 'malformed', id: null };
      const row = await backend.getToken(match[1]);
      const given = sha256(match[2]);
      // Compare even when the id is unknown so timing does not tell ids apart.
      const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(32);
      const equal = stored.length === given.length && timingSafeEqual(given, stored);
      // Whether a token is revoked or expired is only told to whoever holds its secret.
      if (!row || !equal) return { ok: false, reason: 'invalid', id: match[1] };
      if (row.revokedAt !== null) return { ok: false, reason: 'revoked', id: row.id };
      if (row.expiresAt !== null && row.expiresAt <= Date.now()) return { ok: false, reason: 'expired', id: row.id, expiresAt: row.expiresAt };
      await backend.touchToken(row.id, Date.now());
      return { ok: true, row };
    },

    list: async (): Promise<TokenInfo[]> => (await backend.listTokens()).map(toInfo),

    /** Revokes by id (or by the whole token); false when there is no such active token. */
    async revoke(idOrToken: string, by?: Actor): Promise<boolean> {
      const id = TOKEN.exec(idOrToken)?.[1] ?? idOrToken;
      const revoked = await backend.revokeToken(id, Date.now());
      if (revoked && by) {
        const row = await backend.getToken(id);
        await audit.record('token.revoke', by, { detail: row ? describeToken(toInfo(row)) : `token ${id}` });
      }
      return revoked;
    },
  };
}

export type Tokens = ReturnType<typeof createTokens>;

/** Who a token is in the audit log and in messages: its label, or its id. */
export function tokenActor(row: Pick<TokenRow, 'id' | 'label'>): string {
  return row.label || `token ${row.id}`;
}

const PATTERN = /^(?:@[a-z0-9-~*][a-z0-9-._~*]*\/)?[a-z0-9-~*][a-z0-9-._~*]*$/;

/**
 * `'@checkout/*, header'` or a list of them → the patterns, checked: npm-style names where
 * `*` stands for any run of characters. Throws a TypeError naming the bad one.
 */
export function parseNamePatterns(value: string | readonly string[]): string[] {
  const parts = (typeof value === 'string' ? value.split(',') : value.flatMap((v) => String(v).split(','))).map((p) => p.trim());
  const patterns = [...new Set(parts.filter(Boolean))];
  if (patterns.length === 0) throw new TypeError('Name patterns are empty: give names such as "@checkout/*,header" (or none for every name)');
  for (const pattern of patterns) {
    if (pattern.length > 214 || !PATTERN.test(pattern)) {
      throw new TypeError(`"${pattern}" is not a name pattern: use component names where * matches anything, e.g. "@checkout/*" or "header"`);
    }
  }
  return patterns;
}

/** True when `name` matches one of `patterns` (null: every name). */
export function nameAllowed(patterns: readonly string[] | null, name: string): boolean {
  if (patterns === null) return true;
  return patterns.some((pattern) => {
    const source = pattern.split('*').map((part) => part.replace(/[.\\^$+?()[\]{}|/-]/g, '\\$&')).join('.*');
    return new RegExp(`^${source}$`).test(name);
  });
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `'30d'`, `'12h'`, `'15m'`, `'45s'` → milliseconds. Throws a TypeError naming the units. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$/.exec(String(text));
  const ms = match ? Number(match[1]) * UNITS[match[2]] : NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new TypeError(`"${text}" is not a duration: use a number and a unit, s, m, h or d (e.g. 30d, 12h, 15m)`);
  }
  return ms;
}

function describeToken(info: TokenInfo): string {
  const parts = [`${info.scopes.join(',')} token ${info.id}`];
  if (info.label) parts.push(`"${info.label}"`);
  if (info.names) parts.push(`names ${info.names.join(',')}`);
  if (info.expiresAt) parts.push(`expires ${info.expiresAt}`);
  return parts.join(' ');
}

function toInfo(row: TokenRow): TokenInfo {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.id,
    label: row.label,
    scopes: [...row.scopes],
    names: row.names && [...row.names],
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    expired: row.expiresAt !== null && row.expiresAt <= Date.now(),
    revoked: row.revokedAt !== null,
  };
}
