/**
 * Who may publish, deprecate and manage the registry: the admin user (Basic) or an API token
 * (Bearer) with the right scope, and for a token limited to name patterns, only those names.
 * Secrets are compared in constant time. A credential that keeps failing is locked out (429
 * with Retry-After) before it is even checked, but a valid one never is, from whatever
 * address it comes; a client that keeps failing gets its failures answered more and more
 * slowly (up to 2 s), so guessing costs time. Failed sign-ins go to the audit log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { createError } from '../runtime/shared/errors.js';
import type { Logger } from '../runtime/node/sandbox/index.js';
import { nameAllowed, tokenActor, type Actor, type Audit, type Scope, type Tokens } from './metadata/index.js';
import type { Req } from './http.js';

export interface AuthOptions {
  username?: string;
  password?: string;
  /** Failed attempts allowed per credential within `windowMs` before it gets 429 (default 10 per 15 min). */
  maxFailures?: number;
  windowMs?: number;
}

/** Who a request is, once its credentials are checked: what the audit log records, and what it may do. */
export interface Principal extends Actor {
  kind: 'admin' | 'token';
  scopes: Scope[];
  /** Name patterns a token is limited to; null for every name. */
  names: string[] | null;
  expiresAt: number | null;
}

/** Failed sign-ins from one address written to the audit log before it stops for a minute. */
const AUDITED_FAILURES = 50;
const digest = (text: string) => createHash('sha256').update(text).digest();

type Checked = { ok: true; principal: Omit<Principal, 'address' | 'requestId'> } | { ok: false; why: string; tokenId: string | null; message?: string };

export function createAuth(tokens: Tokens, audit: Audit, options: AuthOptions, logger: Logger) {
  const username = options.username && options.password ? options.username : undefined;
  const admin = username ? { user: digest(username), pass: digest(options.password!) } : null;
  // Basic only where there is an admin user to sign in as: a browser answers a Basic challenge with its own dialog.
  const challenge = admin ? 'Basic realm="mikr0", Bearer realm="mikr0"' : 'Bearer realm="mikr0"';
  const maxFailures = options.maxFailures ?? 10;
  const windowMs = options.windowMs ?? 15 * 60 * 1000;
  /** Failures per credential (the SHA-256 of what was sent), for `windowMs` from the first. */
  const failures = new LRUCache<string, number>({ max: 10000, ttl: windowMs });
  /** Recent failures per client address: each makes the next failure's answer 100 ms slower. */
  const slowed = new LRUCache<string, number>({ max: 10000, ttl: 60_000 });

  async function check(header: string): Promise<Checked> {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer') {
      const verified = await tokens.verify(value);
      if (verified.ok) {
        const { row } = verified;
        return { ok: true, principal: { kind: 'token', actor: tokenActor(row), tokenId: row.id, scopes: row.scopes, names: row.names, expiresAt: row.expiresAt } };
      }
      if (verified.reason === 'expired') {
        const at = new Date(verified.expiresAt).toISOString();
        return { ok: false, why: 'expired', tokenId: verified.id, message: `This token expired at ${at}: create a new one (mikr0 token create) and use it instead` };
      }
      if (verified.reason === 'revoked') {
        return { ok: false, why: 'revoked', tokenId: verified.id, message: 'This token was revoked: create a new one (mikr0 token create) and use it instead' };
      }
      return { ok: false, why: verified.reason === 'malformed' ? 'not a mikr0 token' : 'wrong token', tokenId: verified.id };
    }
    if (scheme === 'basic' && admin) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) return { ok: false, why: 'malformed Basic credentials', tokenId: null };
      // Both halves are always compared, so timing reveals neither which was wrong.
      const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), admin.user);
      const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), admin.pass);
      if (userOk && passOk) {
        return { ok: true, principal: { kind: 'admin', actor: `admin "${username}"`, tokenId: null, scopes: ['admin'], names: null, expiresAt: null } };
      }
      return { ok: false, why: 'wrong admin user or password', tokenId: null };
    }
    return { ok: false, why: scheme === 'basic' ? 'no admin user is configured' : `unknown scheme "${scheme.slice(0, 20)}"`, tokenId: null };
  }

  /** Throws 401/429 unless the request carries valid credentials; a failure is audited and slowed down. */
  async function authenticate(req: Req, scope: Scope): Promise<Principal> {
    const header = req.headers.authorization;
    const address = req.socket.remoteAddress ?? 'unknown';
    const requestId = req.id ?? null;
    const create = `mikr0 token create --scope ${scope}`;
    const hint = admin
      ? `send "Authorization: Bearer <token>" (${create}) or the admin user and password`
      : `send "Authorization: Bearer <token>" (create one with: ${create})`;
    if (!header) {
      throw createError({ status: 401, code: 'UNAUTHORIZED', message: `Authentication required: ${hint}`, headers: { 'WWW-Authenticate': challenge } });
    }
    const credential = digest(header).toString('hex');
    if ((failures.get(credential) ?? 0) >= maxFailures) {
      const seconds = Math.max(1, Math.ceil(failures.getRemainingTTL(credential) / 1000));
      throw createError({
        status: 429,
        code: 'RATE_LIMITED',
        message: `Too many failed attempts with these credentials: they are refused for ${seconds} s; send valid ones (other credentials are not affected)`,
        headers: { 'Retry-After': String(seconds) },
      });
    }
    const checked = await check(header);
    if (checked.ok) {
      failures.delete(credential);
      return { ...checked.principal, address, requestId };
    }
    // Read again: other attempts may have failed while this one was checked. The window runs from the first failure.
    failures.set(credential, (failures.get(credential) ?? 0) + 1, { noUpdateTTL: failures.has(credential) });
    const recent = slowed.get(address) ?? 0;
    slowed.set(address, recent + 1);
    // Recorded, but not without bound: a client spraying guesses must not turn into a database write each.
    if (recent < AUDITED_FAILURES) {
      const who = checked.tokenId ? `token ${checked.tokenId}` : 'unknown';
      const more = recent === AUDITED_FAILURES - 1 ? '; further failures from this address are not recorded until it stops for a minute' : '';
      const detail = `${checked.why} (${req.method} ${(req.originalUrl ?? req.url ?? '').split('?')[0].slice(0, 200)})${more}`;
      await audit
        .record('auth.failure', { actor: who, tokenId: checked.tokenId, address, requestId }, { detail })
        .catch((error) => logger.warn(`mikr0: could not write a failed sign-in to the audit log: ${(error as Error).message}`, { requestId: requestId ?? undefined }));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(recent, 20) * 100));
    throw createError({
      status: 401,
      code: 'UNAUTHORIZED',
      message: checked.message ?? `Invalid credentials: ${hint}`,
      headers: { 'WWW-Authenticate': challenge },
    });
  }

  return {
    authenticate,

    /**
     * The principal of a request with `scope` (admin covers all) and, when `name` is given, a
     * token whose name patterns cover it; else 401/403/429.
     */
    async require(req: Req, scope: Scope, name?: string): Promise<Principal> {
      const principal = await authenticate(req, scope);
      if (!principal.scopes.includes(scope) && !principal.scopes.includes('admin')) {
        const fix = scope === 'admin' ? 'use an admin token (mikr0 token create --scope admin) or the admin user' : `use a token with the "${scope}" scope`;
        throw createError({ status: 403, code: 'FORBIDDEN', message: `This token lacks the "${scope}" scope: ${fix}` });
      }
      if (name !== undefined && !nameAllowed(principal.names, name)) {
        throw createError({
          status: 403,
          code: 'FORBIDDEN',
          message: `This token may only publish and deprecate names matching ${principal.names!.join(', ')}; "${name}" is not one of them: use a token whose --names cover it, or an admin token`,
        });
      }
      return principal;
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
