/**
 * API tokens: `mikr0_<id>_<secret>`. Only a SHA-256 of the secret is stored (the secret has
 * 192 random bits, so a slow hash adds nothing); lookups go by id and the hashes are
 * compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DB } from './database.js';

export type Scope = 'publish' | 'admin';
export const SCOPES: readonly Scope[] = ['publish', 'admin'];

export interface TokenInfo {
  id: string;
  label: string;
  scopes: Scope[];
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

interface Row {
  id: string;
  hash: string;
  label: string;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

const TOKEN = /^mikr0_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function createTokenStore(db: DB) {
  const statements = {
    insert: db.prepare('INSERT INTO tokens (id, hash, label, scopes, created_at) VALUES (?, ?, ?, ?, ?)'),
    byId: db.prepare<[string], Row>('SELECT * FROM tokens WHERE id = ?'),
    all: db.prepare<[], Row>('SELECT * FROM tokens ORDER BY created_at'),
    used: db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };

  return {
    /** Creates a token; the returned `token` is the only time the secret is seen. */
    create(scopes: Scope[], label = ''): { token: string; info: TokenInfo } {
      for (const scope of scopes) {
        if (!SCOPES.includes(scope)) throw new Error(`Unknown token scope "${scope}": use ${SCOPES.join(' or ')}`);
      }
      if (scopes.length === 0) throw new Error(`A token needs at least one scope: ${SCOPES.join(' or ')}`);
      const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
      const secret = randomBytes(24).toString('base64url');
      statements.insert.run(id, sha256(secret).toString('hex'), label, scopes.join(','), Date.now());
      return { token: `mikr0_${id}_${secret}`, info: toInfo(statements.byId.get(id)!) };
    },

    /** The scopes of a valid, unrevoked token, or null. */
    verify(token: string): Scope[] | null {
      const match = TOKEN.exec(token);
      if (!match) return null;
      const row = statements.byId.get(match[1]);
      const given = sha256(match[2]);
      // Compare even when the id is unknown so timing does not tell ids apart.
      const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(32);
      const equal = timingSafeEqual(given, stored);
      if (!row || !equal || row.revoked_at !== null) return null;
      statements.used.run(Date.now(), row.id);
      return row.scopes.split(',') as Scope[];
    },

    list: (): TokenInfo[] => statements.all.all().map(toInfo),

    /** Revokes by id (or by the whole token); false when there is no such active token. */
    revoke(idOrToken: string): boolean {
      const id = TOKEN.exec(idOrToken)?.[1] ?? idOrToken;
      return statements.revoke.run(Date.now(), id).changes > 0;
    },
  };
}

export type TokenStore = ReturnType<typeof createTokenStore>;

function toInfo(row: Row): TokenInfo {
  return {
    id: row.id,
    label: row.label,
    scopes: row.scopes.split(',') as Scope[],
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
    revoked: row.revoked_at !== null,
  };
}
