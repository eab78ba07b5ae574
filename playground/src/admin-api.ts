/**
 * The registry's admin API (issue 15): tokens, who is signed in, the audit log, deprecating
 * and unpublishing versions. Every call carries the signed-in credential, which lives in
 * sessionStorage only: it goes with the tab, never into localStorage or a URL.
 */
import type { AuditEntryJson, AuditPage, CreatedToken, TokenJson, UnpublishResult, WhoAmI } from '../../runtime/shared/api.js';
import type { Api, VersionDetail } from './api.js';

export type { AuditPage, WhoAmI } from '../../runtime/shared/api.js';
export type TokenInfo = TokenJson;
export type AuditEntry = AuditEntryJson;
export type Scope = TokenJson['scopes'][number];

export const AUDIT_ACTIONS: readonly AuditEntry['action'][] = ['publish', 'deprecate', 'undeprecate', 'unpublish', 'token.create', 'token.revoke', 'auth.failure'];

export interface AuditFilter {
  since?: string;
  action?: string;
  name?: string;
  before?: number;
  limit?: number;
}

/** `POST /r/tokens`. */
export interface NewToken {
  scopes: Scope[];
  label?: string;
  names?: string[];
  expires?: string;
}

export type UsageDay = VersionDetail['usage'][number];

/** A version as `GET /r/components/:name` sends it; a registry from before issue 15 sends no usage. */
export type VersionWithUsage = Omit<VersionDetail, 'renders' | 'actions' | 'lastRenderedAt' | 'usage' | 'unpublished'> &
  Partial<Pick<VersionDetail, 'renders' | 'actions' | 'lastRenderedAt' | 'usage' | 'unpublished'>>;

const path = (name: string, version: string) => `/r/components/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;

/** `mikr0_…` is a token (Bearer); `user:password` is the admin user (Basic). */
export function authorizationFor(credential: string): string {
  if (!credential.includes(':')) return `Bearer ${credential}`;
  const bytes = new TextEncoder().encode(credential);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

export function createAdminApi(api: Api, credential: string) {
  const authorization = authorizationFor(credential);
  const call = <T>(url: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}) => api.request<T>(url, { ...init, authorization });
  return {
    whoami: () => call<WhoAmI>('/r/whoami'),
    tokens: () => call<{ tokens: TokenInfo[] }>('/r/tokens').then((answer) => answer.tokens),
    createToken: (token: NewToken) => call<CreatedToken>('/r/tokens', { method: 'POST', body: token }),
    revokeToken: (id: string) => call<{ id: string; revoked: true }>(`/r/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    audit(filter: AuditFilter, signal?: AbortSignal): Promise<AuditPage> {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(filter)) if (value !== undefined && value !== '') query.set(key, String(value));
      const search = query.toString();
      return call(`/r/audit${search ? `?${search}` : ''}`, { signal });
    },
    deprecate: (name: string, version: string, message: string | null) =>
      call<{ name: string; version: string; deprecated: string | null }>(path(name, version), { method: 'PATCH', body: { deprecated: message } }),
    unpublish: (name: string, version: string, force = false) =>
      call<UnpublishResult>(`${path(name, version)}${force ? '?force=true' : ''}`, { method: 'DELETE' }),
  };
}

export type AdminApi = ReturnType<typeof createAdminApi>;

const KEY = 'mikr0.admin.credential';

/** The signed-in credential, for this tab only. */
export const session = {
  read(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  save(credential: string): void {
    try {
      sessionStorage.setItem(KEY, credential);
    } catch {
      // Storage refused (a private mode): signed in until the page reloads.
    }
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // Nothing stored.
    }
  },
};
