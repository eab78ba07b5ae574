/**
 * Who may publish and deprecate: the admin user (Basic) or an API token (Bearer) with the
 * right scope. Secrets are compared in constant time. A credential that keeps failing is
 * locked out (429 with Retry-After) before it is even checked, but a valid one never is, from
 * whatever address it comes; a client that keeps failing gets its failures answered more and
 * more slowly (up to 2 s), so guessing costs time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createError } from '../runtime/shared/errors.js';
import type { Scope, Tokens } from './metadata/index.js';
import type { Req } from './http.js';

export interface AuthOptions {
  username?: string;
  password?: string;
  /** Failed attempts allowed per credential within `windowMs` before it gets 429 (default 10 per 15 min). */
  maxFailures?: number;
  windowMs?: number;
}

const CHALLENGE = 'Basic realm="mikr0", Bearer realm="mikr0"';
const digest = (text: string) => createHash('sha256').update(text).digest();

export function createAuth(tokens: Tokens, options: AuthOptions) {
  const admin = options.username && options.password ? { user: digest(options.username), pass: digest(options.password) } : null;
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  /** Failures per credential (the SHA-256 of what was sent), for `windowMs` from the first. */
  const failures = new LRUCache<string, number>({ max: 10000, ttl: windowMs });
  /** Recent failures per client address: each makes the next failure's answer 100 ms slower. */
  const slowed = new LRUCache<string, number>({ max: 10000, ttl: 60_000 });

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
      const header = req.headers.authorization;
      const credential = header ? digest(header).toString('hex') : null;
      if (credential && (failures.get(credential) ?? 0) >= maxFailures) {
        const seconds = Math.max(1, Math.ceil(failures.getRemainingTTL(credential) / 1000));
        throw createError({
          status: 429,
          code: 'RATE_LIMITED',
          message: `Too many failed attempts with these credentials: they are refused for ${seconds} s; send valid ones (other credentials are not affected)`,
          headers: { 'Retry-After': String(seconds) },
        });
      }
      const scopes = await check(header);
      if (!scopes) {
        // Read again: other attempts may have failed while this one was checked. The window runs from the first failure.
        if (credential) failures.set(credential, (failures.get(credential) ?? 0) + 1, { noUpdateTTL: failures.has(credential) });
        const client = req.socket.remoteAddress ?? 'unknown';
        const recent = slowed.get(client) ?? 0;
        slowed.set(client, recent + 1);
        await new Promise((resolve) => setTimeout(resolve, Math.min(recent, 20) * 100));
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
      if (credential) failures.delete(credential);
      if (!scopes.includes(scope) && !scopes.includes('admin')) {
        throw createError({ status: 403, code: 'FORBIDDEN', message: `This token lacks the "${scope}" scope` });
      }
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
