/**
 * API tokens over any backend: `mikr0_<id>_<secret>`. Only a SHA-256 of the secret is stored
 * (the secret has 192 random bits, so a slow hash adds nothing); lookups go by id and the
 * hashes are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MetadataBackend, Scope, TokenInfo, TokenRow } from './types.js';

export const SCOPES: readonly Scope[] = ['publish', 'admin'];

const TOKEN = /^mikr0_([a-z0-9]{12})_([A-Za-z0-9_-]{32})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

export function createTokens(backend: MetadataBackend) {
  return {
    /** Creates a token; the returned `token` is the only time the secret is seen. */
    async create(scopes: Scope[], label = ''): Promise<{ token: string; info: TokenInfo }> {
      for (const scope of scopes) {
        if (!SCOPES.includes(scope)) throw new Error(`Unknown token scope "${scope}": use ${SCOPES.join(' or ')}`);
      }
      if (scopes.length === 0) throw new Error(`A token needs at least one scope: ${SCOPES.join(' or ')}`);
      const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
      const secret = randomBytes(24).toString('base64url');
      await backend.insertToken({
        id,
        hash: sha256(secret).toString('hex'),
        label,
        scopes: [...scopes],
        createdAt: Date.now(),
        lastUsedAt: null,
        revokedAt: null,
      });
      return { token: `mikr0_${id}_${secret}`, info: toInfo((await backend.getToken(id))!) };
    },

    /** The scopes of a valid, unrevoked token, or null. */
    async verify(token: string): Promise<Scope[] | null> {
      const match = TOKEN.exec(token);
      if (!match) return null;
      const row = await backend.getToken(match[1]);
      const given = sha256(match[2]);
      // Compare even when the id is unknown so timing does not tell ids apart.
      const stored = row ? Buffer.from(row.hash, 'hex') : Buffer.alloc(32);
      const equal = stored.length === given.length && timingSafeEqual(given, stored);
      if (!row || !equal || row.revokedAt !== null) return null;
      await backend.touchToken(row.id, Date.now());
      return row.scopes;
    },

    list: async (): Promise<TokenInfo[]> => (await backend.listTokens()).map(toInfo),

    /** Revokes by id (or by the whole token); false when there is no such active token. */
    async revoke(idOrToken: string): Promise<boolean> {
      const id = TOKEN.exec(idOrToken)?.[1] ?? idOrToken;
      return backend.revokeToken(id, Date.now());
    },
  };
}

export type Tokens = ReturnType<typeof createTokens>;

function toInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    label: row.label,
    scopes: [...row.scopes],
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
    revoked: row.revokedAt !== null,
  };
}
