/**
 * The audit log over any backend: who published, deprecated, unpublished, made or revoked a
 * token, or failed to sign in, when, from where, in which request. Append-only: the backends
 * have no call that changes an entry, and the SQL ones refuse UPDATE and DELETE on the table.
 */
import type { AuditAction, AuditEntry, AuditQuery, MetadataBackend } from './types.js';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'publish', 'deprecate', 'undeprecate', 'unpublish', 'token.create', 'token.revoke', 'auth.failure',
];

/** Who did something, as the audit log records it. */
export interface Actor {
  /** A token's label (or `token <id>`), `admin "<user>"`, `cli (<os user>)`, "unknown". */
  actor: string;
  tokenId: string | null;
  address: string;
  requestId: string | null;
}

export function createAudit(backend: MetadataBackend) {
  return {
    record(action: AuditAction, by: Actor, about: { name?: string; version?: string; detail?: string } = {}): Promise<void> {
      return backend.appendAudit({
        at: Date.now(),
        action,
        actor: by.actor,
        tokenId: by.tokenId,
        address: by.address,
        requestId: by.requestId,
        name: about.name ?? null,
        version: about.version ?? null,
        detail: about.detail ?? null,
      });
    },
    list: (query: AuditQuery): Promise<AuditEntry[]> => backend.listAudit(query),
  };
}

export type Audit = ReturnType<typeof createAudit>;
