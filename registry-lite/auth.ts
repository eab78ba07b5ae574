/**
 * Who may publish and deprecate: the admin user (Basic) or an API token (Bearer) with the
 * right scope. Secrets are compared in constant time; a client that keeps failing is
 * told to slow down (429) before its credentials are even checked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createError } from '../runtime/shared/errors.js';
import type { Scope, Tokens } from './metadata/index.js';
import type { Req } from './http.js';

export interface AuthOptions {
  username?: string;
  password?: string;
  /** Failed attempts allowed per client within `windowMs` before 429 (default 10 per 15 min). */
  maxFailures?: number;
  windowMs?: number;
}

const CHALLENGE = 'Basic realm="mikr0", Bearer realm="mikr0"';
const digest = (text: string) => createHash('sha256').update(text).digest();

export function createAuth(tokens: Tokens, options: AuthOptions) {
  const admin = options.username && options.password ? { user: digest(options.username), pass: digest(options.password) } : null;
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  const failures = new LRUCache<string, { count: number }>({ max: 10000, ttl: windowMs });

  async function check(header: string | undefined): Promise<Scope[] | null> {
    if (!header) return null;
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer') return tokens.verify(value);
    if (scheme === 'basic' && admin) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) return null;
      // Both halves are always compared, so timing reveals neither which was wrong.
      const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), admin.user);
      const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), admin.pass);
      return userOk && passOk ? ['admin'] : null;
    }
    return null;
  }

  return {
    /** Throws 401/403/429 unless the request carries credentials with `scope` (admin covers all). */
    async require(req: Req, scope: Scope): Promise<void> {
      const client = req.socket.remoteAddress ?? 'unknown';
      const record = failures.get(client);
      if (record && record.count >= maxFailures) {
        throw createError({
          status: 429,
          code: 'RATE_LIMITED',
          message: 'Too many failed authentication attempts from this client; wait and retry with valid credentials',
          headers: { 'Retry-After': String(Math.ceil(windowMs / 1000)) },
        });
      }
      const scopes = await check(req.headers.authorization);
      if (!scopes) {
        // Read again: other attempts from this client may have failed while this one was checked.
        failures.set(client, { count: (failures.get(client)?.count ?? 0) + 1 });
        const create = `mikr0 token create --scope ${scope}`;
        const hint = admin
          ? `send "Authorization: Bearer <token>" (${create}) or the admin user and password`
          : `send "Authorization: Bearer <token>" (create one with: ${create})`;
        throw createError({
          status: 401,
          code: 'UNAUTHORIZED',
          message: req.headers.authorization ? `Invalid credentials: ${hint}` : `Authentication required: ${hint}`,
          headers: { 'WWW-Authenticate': CHALLENGE },
        });
      }
      if (record) failures.delete(client);
      if (!scopes.includes(scope) && !scopes.includes('admin')) {
        throw createError({ status: 403, code: 'FORBIDDEN', message: `This token lacks the "${scope}" scope` });
      }
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
