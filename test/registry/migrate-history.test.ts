/**
 * `migrateRegistry` and what a registry has kept since issue 15: unpublished versions (their
 * files may be gone), scoped and expiring tokens, the audit log and usage counts. SQLite and a
 * folder on both ends, through the library call (the CLI end to end is test/cli/migrate.test.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sqliteBackend } from '../../registry-lite/metadata/sqlite.js';
import type { AuditEntry, MetadataBackend, TokenRow, UsageRow } from '../../registry-lite/metadata/types.js';
import { migrateRegistry } from '../../registry-lite/migrate.js';
import { filesystemDriver } from '../../registry-lite/storage/drivers/filesystem.js';
import { tempDir } from '../helpers.js';
import { version } from '../metadata/fixtures.js';

let work: string;
let source: string;
let target: string;

const open = (dataDir: string) => sqliteBackend({ file: path.join(dataDir, 'registry.db') });
/** Runs `use` on a backend over `dataDir`'s database, closed afterwards (migrate opens its own). */
async function on<T>(dataDir: string, use: (backend: MetadataBackend) => Promise<T>): Promise<T> {
  const backend = open(dataDir);
  try {
    return await use(backend);
  } finally {
    await backend.close();
  }
}
const migrate = (to = target, dryRun = false) => migrateRegistry({ from: { dataDir: source }, to: { dataDir: to }, dryRun });
const withoutId = ({ id: _, ...entry }: AuditEntry) => entry;

const token: TokenRow = {
  id: 'abcdefabcdef', hash: 'a'.repeat(64), label: 'checkout ci', scopes: ['publish'], names: ['@checkout/*', 'header'],
  createdAt: 1000, lastUsedAt: null, expiresAt: 9_000_000_000_000, revokedAt: null,
};
const usage: UsageRow[] = [
  { name: 'kept', version: '1.0.0', day: '2026-01-01', renders: 5, actions: 1, lastRenderedAt: 1500 },
  { name: 'kept', version: '2.0.0', day: '2026-01-02', renders: 2, actions: 0, lastRenderedAt: null },
];

beforeEach(async () => {
  work = await tempDir('mikr0-migrate-history-');
  source = path.join(work, 'source');
  target = path.join(work, 'target');
  const storage = filesystemDriver({ base: path.join(source, 'storage') });
  await on(source, async (backend) => {
    for (const [v, publishedAt] of [['1.0.0', 1000], ['2.0.0', 2000], ['3.0.0', 3000]] as const) {
      const record = version('kept', v, { publishedAt });
      await backend.insertVersion(record);
      // 2.0.0 was unpublished and its files removed; 3.0.0 was unpublished, its files still there.
      if (v !== '2.0.0') await storage.setItemRaw(`${record.prefix}/template.js`, new TextEncoder().encode(`template of ${v}`));
    }
    await backend.unpublishVersion('kept', '2.0.0', 5000);
    await backend.unpublishVersion('kept', '3.0.0', 6000);
    await backend.insertToken(token);
    await backend.appendAudit({ at: 1000, action: 'publish', actor: 'ci', tokenId: token.id, address: '10.0.0.1', requestId: 'r1', name: 'kept', version: '1.0.0', detail: null });
    await backend.appendAudit({ at: 4000, action: 'auth.failure', actor: 'unknown', tokenId: null, address: '10.0.0.9', requestId: 'r2', name: null, version: null, detail: 'revoked' });
    await backend.appendAudit({ at: 5000, action: 'unpublish', actor: 'admin "ann"', tokenId: null, address: '10.0.0.2', requestId: 'r3', name: 'kept', version: '2.0.0', detail: null });
    await backend.addUsage(usage);
  });
});
afterEach(() => fs.rm(work, { recursive: true, force: true }));

describe('migrate: unpublished versions, tokens, audit log, usage', () => {
  test('copies each as it is; a second run adds nothing', async () => {
    const first = await migrate();
    expect(first.problems).toEqual([]);
    expect(first.versions).toEqual({ copied: 3, skipped: 0, conflicts: 0, failed: 0 });
    expect(first.unpublished).toBe(2);
    expect(first.files).toBe(2);
    expect(first.tokens).toMatchObject({ copied: 1 });
    expect(first.audit).toEqual({ copied: 3, skipped: 0 });
    expect(first.usage).toEqual({ copied: 2, skipped: 0 });

    const [sourceAudit, sourceVersions] = await on(source, async (b) => [await b.listAudit({ limit: 10 }), await b.getVersions('kept')] as const);
    await on(target, async (backend) => {
      expect((await backend.getVersions('kept')).sort((a, b) => a.publishedAt - b.publishedAt)).toEqual(sourceVersions.sort((a, b) => a.publishedAt - b.publishedAt));
      expect((await backend.getVersion('kept', '2.0.0'))?.unpublishedAt).toBe(5000);
      expect(await backend.getToken(token.id)).toEqual(token);
      const audit = await backend.listAudit({ limit: 10 });
      expect(audit.map(withoutId)).toEqual(sourceAudit.map(withoutId));
      expect(audit[0].id).toBeGreaterThan(audit[2].id);
      expect(await backend.getUsage('kept', '0000-01-01')).toEqual(expect.arrayContaining(usage));
    });

    const second = await migrate();
    expect(second.versions).toEqual({ copied: 0, skipped: 3, conflicts: 0, failed: 0 });
    expect([second.unpublished, second.files]).toEqual([0, 0]);
    expect(second.audit).toEqual({ copied: 0, skipped: 3 });
    expect(second.usage).toEqual({ copied: 0, skipped: 2 });
    await on(target, async (backend) => {
      expect(await backend.listAudit({ limit: 10 })).toHaveLength(3);
      expect(await backend.getUsage('kept', '0000-01-01')).toEqual(expect.arrayContaining(usage));
      expect(await backend.getUsage('kept', '0000-01-01')).toHaveLength(2);
    });
  });

  test('a version unpublished in the source after a run is unpublished on the target by the next', async () => {
    await migrate();
    await on(source, (backend) => backend.unpublishVersion('kept', '1.0.0', 7000));
    const again = await migrate();
    expect(again.unpublished).toBe(1);
    expect(await on(target, (backend) => backend.getVersion('kept', '1.0.0'))).toMatchObject({ unpublishedAt: 7000 });
  });

  test('a long audit log is copied whole, oldest first, across pages', async () => {
    await on(source, async (backend) => {
      for (let i = 0; i < 2100; i++) {
        await backend.appendAudit({ at: 10_000 + i, action: 'publish', actor: 'bulk', tokenId: null, address: 'local', requestId: null, name: 'kept', version: null, detail: String(i) });
      }
    });
    expect((await migrate()).audit).toEqual({ copied: 2103, skipped: 0 });
    const copied = await on(target, (backend) => backend.listAudit({ limit: 3000 }));
    expect(copied).toHaveLength(2103);
    expect(copied.map((e) => e.at)).toEqual([...copied.map((e) => e.at)].sort((a, b) => b - a));
  });

  test('a dry run counts all of it and writes nothing', async () => {
    const fresh = path.join(work, 'fresh');
    const dry = await migrate(fresh, true);
    expect(dry.versions).toEqual({ copied: 3, skipped: 0, conflicts: 0, failed: 0 });
    expect([dry.unpublished, dry.audit, dry.usage]).toEqual([2, { copied: 3, skipped: 0 }, { copied: 2, skipped: 0 }]);
    await expect(fs.stat(fresh)).rejects.toThrow(/ENOENT/);
  });
});
