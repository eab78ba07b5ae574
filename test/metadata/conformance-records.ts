/**
 * The part of the metadata conformance suite for what a backend keeps besides a version's
 * basics: unpublished versions, token scopes by name and expiry, the audit log, usage counts.
 * Straight on the backend (the layer's rules are conformance-layer.ts's).
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { AuditEntry, AuditQuery, MetadataBackend, MetadataChange, TokenRow, UsageRow } from '../../registry-lite/metadata/types.js';
import { eventually, version, type MetadataFixture } from './fixtures.js';

export interface RecordsSuiteContext {
  /** The backend under test (a reopen replaces it). */
  backend(): MetadataBackend;
  fixture(): MetadataFixture;
  /** The fixture's reopen, making the reopened backend the one under test. */
  reopen(): Promise<MetadataBackend | null>;
}

const token = (id: string, extra: Partial<TokenRow> = {}): TokenRow => ({
  id, hash: id.repeat(6).slice(0, 64).padEnd(64, '0'), label: `token ${id}`, scopes: ['publish'], names: null,
  createdAt: 1000, lastUsedAt: null, expiresAt: null, revokedAt: null, ...extra,
});

/** An audit entry; `detail` names it, so a listing reads as a list of tags. */
const entry = (tag: string, at: number, action: AuditEntry['action'], name: string | null = null): Omit<AuditEntry, 'id'> => ({
  at, action, actor: `actor of ${tag}`, tokenId: name ? 'abcdefabcdef' : null, address: '127.0.0.1',
  requestId: `req-${tag}`, name, version: name ? '1.0.0' : null, detail: tag,
});

const usage = (name: string, v: string, day: string, renders: number, actions: number, lastRenderedAt: number | null): UsageRow =>
  ({ name, version: v, day, renders, actions, lastRenderedAt });
const byKey = (rows: UsageRow[]) => [...rows].sort((a, b) => (`${a.name} ${a.version} ${a.day}` < `${b.name} ${b.version} ${b.day}` ? -1 : 1));

export function describeRecordsConformance(suite: RecordsSuiteContext): void {
  let backend: MetadataBackend;
  beforeEach(() => {
    backend = suite.backend();
  });

  describe('unpublish', () => {
    test('once: true, then false; false for a missing version; the row stays and its number stays taken', async () => {
      await backend.insertVersion(version('hello', '1.0.0', { publishedAt: 1000 }));
      await backend.insertVersion(version('hello', '1.1.0', { publishedAt: 2000 }));
      expect(await backend.unpublishVersion('hello', '1.0.0', 5000)).toBe(true);
      expect(await backend.unpublishVersion('hello', '1.0.0', 6000)).toBe(false);
      expect(await backend.unpublishVersion('hello', '9.9.9', 5000)).toBe(false);
      expect(await backend.unpublishVersion('nope', '1.0.0', 5000)).toBe(false);

      expect(await backend.getVersion('hello', '1.0.0')).toEqual({ ...version('hello', '1.0.0', { publishedAt: 1000 }), deprecated: null, unpublishedAt: 5000 });
      expect((await backend.getVersion('hello', '1.1.0'))?.unpublishedAt).toBeNull();
      const all = (await backend.getVersions('hello')).sort((a, b) => a.publishedAt - b.publishedAt);
      expect(all.map((r) => [r.version, r.unpublishedAt])).toEqual([['1.0.0', 5000], ['1.1.0', null]]);
      expect((await backend.listVersions('hello')).sort((a, b) => a.publishedAt - b.publishedAt)).toEqual([
        { version: '1.0.0', deprecated: false, unpublished: true, publishedAt: 1000 },
        { version: '1.1.0', deprecated: false, unpublished: false, publishedAt: 2000 },
      ]);

      expect(await backend.insertVersion(version('hello', '1.0.0', { prefix: 'hello/1.0.0/again', publishedAt: 9000 }))).toBe(false);
      expect(await backend.getVersion('hello', '1.0.0')).toMatchObject({ prefix: 'hello/1.0.0/abc', publishedAt: 1000, unpublishedAt: 5000 });
      // Deprecation is its own mark: it neither clears nor is cleared by unpublishing.
      expect(await backend.setDeprecated('hello', '1.0.0', 'gone anyway')).toBe(true);
      expect(await backend.getVersion('hello', '1.0.0')).toMatchObject({ deprecated: 'gone anyway', unpublishedAt: 5000 });
    });

    test("another instance's watch is told, as of a deprecation", async () => {
      const other = suite.fixture().another();
      if (other === null) return; // memory: no one else can see its data
      try {
        await backend.insertVersion(version('gone', '1.0.0'));
        const seen: MetadataChange[] = [];
        const unwatch = other.watch((change) => seen.push(change));
        // A read waits until the watch listens (PostgreSQL's LISTEN is asynchronous).
        expect((await other.listVersions('gone'))[0]?.unpublished).toBe(false);
        expect(await backend.unpublishVersion('gone', '1.0.0', 5000)).toBe(true);
        await eventually(async () => seen.some((c) => (c.name === 'gone' && c.version === '1.0.0') || c.name === undefined), true);
        expect((await other.listVersions('gone'))[0]?.unpublished).toBe(true);
        unwatch();
      } finally {
        await other.close();
      }
    });
  });

  describe('tokens', () => {
    test('name patterns and expiry round trip through insert, get and list', async () => {
      const rows = [
        token('aaaaaaaaaaaa', { names: ['@checkout/*', 'header'], expiresAt: 9_000_000_000_000, createdAt: 1 }),
        token('bbbbbbbbbbbb', { scopes: ['publish', 'admin'], createdAt: 2 }),
        token('cccccccccccc', { names: ['only-this'], expiresAt: 5, lastUsedAt: 4, revokedAt: 6, createdAt: 3 }),
      ];
      for (const row of rows) await backend.insertToken(row);
      for (const row of rows) expect(await backend.getToken(row.id)).toEqual(row);
      expect(await backend.listTokens()).toEqual(rows);
      // Touching and revoking change nothing else.
      await backend.touchToken('aaaaaaaaaaaa', 7);
      expect(await backend.revokeToken('aaaaaaaaaaaa', 8)).toBe(true);
      expect(await backend.getToken('aaaaaaaaaaaa')).toEqual({ ...rows[0], lastUsedAt: 7, revokedAt: 8 });
    });
  });

  describe('audit log', () => {
    const log = [
      entry('e1', 1000, 'publish', 'a'),
      entry('e2', 2000, 'deprecate', 'a'),
      entry('e3', 3000, 'publish', 'b'),
      entry('e4', 4000, 'auth.failure'),
      entry('e5', 5000, 'unpublish', 'a'),
      entry('e6', 5000, 'token.create'),
    ];
    const tags = (entries: AuditEntry[]) => entries.map((e) => e.detail);

    test('appended entries come back as given, newest first, with increasing ids', async () => {
      expect(await backend.listAudit({ limit: 10 })).toEqual([]);
      for (const e of log) await backend.appendAudit(e);
      const listed = await backend.listAudit({ limit: 10 });
      expect(listed).toEqual([...log].reverse().map((e) => ({ ...e, id: expect.any(Number) })));
      const ids = listed.map((e) => e.id).reverse();
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      for (const id of ids) expect(Number.isSafeInteger(id)).toBe(true);
    });

    // `before: 'e4'` is e4's id, known once appended.
    test.each<[string, Omit<AuditQuery, 'before'> & { before?: string }, string[]]>([
      ['everything', { limit: 100 }, ['e6', 'e5', 'e4', 'e3', 'e2', 'e1']],
      ['limit', { limit: 2 }, ['e6', 'e5']],
      ['since (inclusive)', { since: 3000, limit: 100 }, ['e6', 'e5', 'e4', 'e3']],
      ['until (exclusive)', { until: 3000, limit: 100 }, ['e2', 'e1']],
      ['since and until', { since: 2000, until: 5000, limit: 100 }, ['e4', 'e3', 'e2']],
      ['one action', { actions: ['publish'], limit: 100 }, ['e3', 'e1']],
      ['some actions', { actions: ['publish', 'unpublish', 'token.revoke'], limit: 100 }, ['e5', 'e3', 'e1']],
      ['no actions', { actions: [], limit: 100 }, []],
      ['name', { name: 'a', limit: 100 }, ['e5', 'e2', 'e1']],
      ['name no one has', { name: 'nobody', limit: 100 }, []],
      ['name and actions', { name: 'a', actions: ['publish', 'deprecate'], limit: 100 }, ['e2', 'e1']],
      ['before (a page)', { before: 'e4', limit: 100 }, ['e3', 'e2', 'e1']],
      ['before and limit', { before: 'e4', limit: 2 }, ['e3', 'e2']],
      ['every condition', { since: 1000, until: 5001, actions: ['publish', 'unpublish'], name: 'a', before: 'e4', limit: 1 }, ['e1']],
    ])('filter: %s', async (_label, query, expected) => {
      for (const e of log) await backend.appendAudit(e);
      const ids = Object.fromEntries((await backend.listAudit({ limit: 100 })).map((e) => [e.detail, e.id]));
      const before = query.before === undefined ? undefined : ids[query.before];
      expect(tags(await backend.listAudit({ ...query, before }))).toEqual(expected);
    });

    test('nothing changes an entry: not the caller\'s objects, not other writes; it survives a reopen', async () => {
      const given = entry('kept', 1000, 'publish', 'kept');
      await backend.appendAudit(given);
      given.actor = 'changed after';
      const [first] = await backend.listAudit({ limit: 10 });
      first.detail = 'changed by a reader';
      // Every other write a registry makes, on what the entry names.
      await backend.insertVersion(version('kept', '1.0.0'));
      await backend.setDeprecated('kept', '1.0.0', 'x');
      await backend.unpublishVersion('kept', '1.0.0', 2000);
      await backend.insertToken(token('abcdefabcdef'));
      await backend.revokeToken('abcdefabcdef', 3000);
      await backend.addUsage([usage('kept', '1.0.0', '2026-01-01', 1, 0, 1)]);
      await backend.appendAudit(entry('next', 4000, 'token.revoke'));
      const expected = { ...entry('kept', 1000, 'publish', 'kept'), id: first.id };
      expect((await backend.listAudit({ limit: 10 }))[1]).toEqual(expected);

      const reopened = await suite.reopen();
      if (reopened === null) return; // memory: nothing outlives the instance
      backend = reopened;
      expect(tags(await reopened.listAudit({ limit: 10 }))).toEqual(['next', 'kept']);
      expect((await reopened.listAudit({ limit: 10 }))[1]).toEqual(expected);
      // Ids keep increasing past a reopen.
      await reopened.appendAudit(entry('after', 5000, 'publish'));
      const [after, next] = await reopened.listAudit({ limit: 2 });
      expect(after.detail).toBe('after');
      expect(after.id).toBeGreaterThan(next.id);
    });
  });

  describe('usage', () => {
    test('addUsage adds up, within a batch too; lastRenderedAt takes the later, null while there is none', async () => {
      expect(await backend.getUsage('hello', '0000-01-01')).toEqual([]);
      await backend.addUsage([]);
      await backend.addUsage([usage('hello', '1.0.0', '2026-01-01', 2, 1, 1000), usage('hello', '1.0.0', '2026-01-02', 1, 0, null)]);
      await backend.addUsage([
        usage('hello', '1.0.0', '2026-01-01', 3, 0, 500),
        usage('hello', '1.0.0', '2026-01-02', 0, 2, null),
        usage('hello', '1.0.0', '2026-01-01', 1, 1, 3000),
      ]);
      expect(byKey(await backend.getUsage('hello', '0000-01-01'))).toEqual([
        usage('hello', '1.0.0', '2026-01-01', 6, 2, 3000),
        usage('hello', '1.0.0', '2026-01-02', 1, 2, null),
      ]);
      await backend.addUsage([usage('hello', '1.0.0', '2026-01-02', 0, 0, 7000)]);
      await backend.addUsage([usage('hello', '1.0.0', '2026-01-02', 0, 0, null)]);
      expect(byKey(await backend.getUsage('hello', '2026-01-02'))).toEqual([usage('hello', '1.0.0', '2026-01-02', 1, 2, 7000)]);
    });

    test('getUsage: every version of one name, on the day given or later', async () => {
      await backend.addUsage([
        usage('hello', '1.0.0', '2025-12-31', 1, 0, 1),
        usage('hello', '1.0.0', '2026-01-01', 2, 0, 2),
        usage('hello', '1.0.0', '2026-01-10', 3, 0, 3),
        usage('hello', '2.0.0', '2026-01-02', 4, 0, 4),
        usage('hello-world', '1.0.0', '2026-01-02', 5, 0, 5),
        usage('other', '1.0.0', '2026-01-02', 6, 0, 6),
      ]);
      const days = async (name: string, since: string) => byKey(await backend.getUsage(name, since)).map((r) => `${r.version} ${r.day} ${r.renders}`);
      expect(await days('hello', '2026-01-01')).toEqual(['1.0.0 2026-01-01 2', '1.0.0 2026-01-10 3', '2.0.0 2026-01-02 4']);
      expect(await days('hello', '2026-01-02')).toEqual(['1.0.0 2026-01-10 3', '2.0.0 2026-01-02 4']);
      expect(await days('hello', '2026-01-11')).toEqual([]);
      expect(await days('hello', '0000-01-01')).toHaveLength(4);
      expect(await days('other', '2026-01-02')).toEqual(['1.0.0 2026-01-02 6']);
      expect(await days('nope', '0000-01-01')).toEqual([]);
    });

    test('two instances adding to the same rows at once lose no count', async () => {
      const other = suite.fixture().another();
      const writers = [backend, other ?? backend];
      try {
        const day = '2026-02-01';
        // Batches name the two rows in both orders: a backend that locks rows must not deadlock.
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            writers[i % 2].addUsage(
              i % 4 < 2
                ? [usage('busy', '1.0.0', day, 1, 2, 1000 + i), usage('busy', '2.0.0', day, 1, 0, null)]
                : [usage('busy', '2.0.0', day, 1, 0, null), usage('busy', '1.0.0', day, 1, 2, 1000 + i)],
            ),
          ),
        );
        expect(byKey(await backend.getUsage('busy', day))).toEqual([
          usage('busy', '1.0.0', day, 40, 80, 1039),
          usage('busy', '2.0.0', day, 40, 0, null),
        ]);
        if (other) expect(byKey(await other.getUsage('busy', day))).toEqual(byKey(await backend.getUsage('busy', day)));
      } finally {
        await other?.close();
      }
    });

    test('counts survive a reopen, and keep adding up', async () => {
      await backend.addUsage([usage('kept', '1.0.0', '2026-01-01', 2, 1, 1000)]);
      const reopened = await suite.reopen();
      if (reopened === null) return; // memory: nothing outlives the instance
      backend = reopened;
      expect(await reopened.getUsage('kept', '2026-01-01')).toEqual([usage('kept', '1.0.0', '2026-01-01', 2, 1, 1000)]);
      await reopened.addUsage([usage('kept', '1.0.0', '2026-01-01', 1, 1, 900)]);
      expect(await reopened.getUsage('kept', '2026-01-01')).toEqual([usage('kept', '1.0.0', '2026-01-01', 3, 2, 1000)]);
    });
  });
}
