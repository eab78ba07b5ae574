/**
 * The tokens of a running registry, through its admin routes (`/r/tokens`): for when its
 * database is out of reach. The registry records these changes under the admin credential used.
 */
import type { CreatedToken, TokenJson } from '../../runtime/shared/api.js';
import { adminAuthorization, adminHints, createClient, registryUrl } from '../http.js';
import { isCliError } from '../output.js';
import type { TokenFlags, TokenStore } from './token.js';

export function httpTokens(flags: TokenFlags, action: string): TokenStore {
  const auth = adminAuthorization(flags, `mikr0 token ${action} --registry`);
  const client = createClient(registryUrl(flags.registry));
  const headers = { authorization: auth };
  const hints = adminHints(auth);
  return {
    async create({ scopes, label, names, expires }) {
      const json = { scopes, label, ...(names ? { names } : {}), ...(expires ? { expires: expires.text } : {}) };
      const { body } = await client.request<CreatedToken>('/r/tokens', { method: 'POST', headers, json, hints });
      return body;
    },
    async list() {
      const { body } = await client.request<{ tokens: TokenJson[] }>('/r/tokens', { headers, hints });
      return body.tokens;
    },
    async revoke(id) {
      try {
        await client.request(`/r/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', headers, hints });
        return true;
      } catch (error) {
        // "No active token with that id": said the same way as for the database.
        if (isCliError(error) && error.status === 404) return false;
        throw error;
      }
    },
  };
}
