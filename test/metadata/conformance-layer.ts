/**
 * The part of the metadata conformance suite that goes through the backend-neutral layer:
 * resolution, its caches and tokens must behave the same on every backend.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { Metadata } from '../../registry-lite/metadata/index.js';
import type { MetadataBackend, MetadataChange } from '../../registry-lite/metadata/types.js';
import { counted, version, type SuiteContext } from './fixtures.js';

export function describeLayerConformance(suite: SuiteContext): void {
  let backend: MetadataBackend;
  const layer = suite.layer;
  beforeEach(() => {
    backend = suite.backend();
  });

  describe('resolution (the layer)', () => {
    let metadata: Metadata;
    beforeEach(async () => {
      metadata = layer(backend);
      for (const v of ['1.0.0', '1.1.0', '1.2.0-beta.1', '1.10.0', '2.0.0-rc.1', '0.9.0']) {
        expect(await metadata.components.insert(version('hello', v))).toBe(true);
      }
    });
    const resolved = async (range: string) => {
      const record = await metadata.components.resolve('hello', range);
      return record === undefined ? 'invalid' : (record?.version ?? null);
    };

    test.each([
      ['1.1.0', '1.1.0'],
      ['2.0.0-rc.1', '2.0.0-rc.1'],
      ['1', '1.10.0'],
      ['1.x', '1.10.0'],
      ['1.1', '1.1.0'],
      ['^1.2.0', '1.10.0'],
      ['~1.2.0-beta.0', '1.2.0-beta.1'],
      ['^2.0.0-rc.0', '2.0.0-rc.1'],
      ['2', null],
      ['3.0.0', null],
      ['^3.0.0', null],
      ['', '1.10.0'],
      ['latest', '1.10.0'],
      ['*', '1.10.0'],
      ['not a range', 'invalid'],
      ['1.0.0.0', 'invalid'],
    ])('%j resolves to %j', async (range, expected) => {
      expect(await resolved(range)).toBe(expected);
      // The second time it comes from the cache, with the same answer.
      expect(await resolved(range)).toBe(expected);
    });

    test('an unknown name is null, for exact versions and ranges alike', async () => {
      expect(await metadata.components.resolve('nope', '1.0.0')).toBeNull();
      expect(await metadata.components.resolve('nope', '')).toBeNull();
      expect(await metadata.components.has('nope')).toBe(false);
      expect(await metadata.components.has('hello')).toBe(true);
    });

    test('deprecated versions are skipped by ranges, kept for exact versions; undeprecating brings them back', async () => {
      expect(await resolved('1.x')).toBe('1.10.0');
      expect(await metadata.components.deprecate('hello', '1.10.0', 'broken')).toBe(true);
      expect(await resolved('1.x')).toBe('1.1.0');
      expect(await resolved('')).toBe('1.1.0');
      const exact = await metadata.components.resolve('hello', '1.10.0');
      expect([exact?.version, exact?.deprecated]).toEqual(['1.10.0', 'broken']);
      expect(await metadata.components.deprecate('hello', '1.10.0', null)).toBe(true);
      expect(await resolved('1.x')).toBe('1.10.0');
      expect((await metadata.components.get('hello', '1.10.0'))?.deprecated).toBeNull();
      expect(await metadata.components.deprecate('hello', '7.0.0', 'x')).toBe(false);
    });

    test('with every release deprecated, latest is the highest prerelease left; with everything deprecated, nothing', async () => {
      for (const v of ['0.9.0', '1.0.0', '1.1.0', '1.10.0']) await metadata.components.deprecate('hello', v, 'old');
      expect(await resolved('')).toBe('2.0.0-rc.1');
      expect(await resolved('1.x')).toBeNull();
      for (const v of ['1.2.0-beta.1', '2.0.0-rc.1']) await metadata.components.deprecate('hello', v, 'old');
      expect(await resolved('')).toBeNull();
      const [summary] = (await metadata.components.list('hello', 1, 10)).components;
      expect(summary.latest).toBeNull();
    });

    test('a publish moves ranges resolved before it at once (this process\'s own write)', async () => {
      expect(await resolved('^1.0.0')).toBe('1.10.0');
      expect(await resolved('')).toBe('1.10.0');
      await metadata.components.insert(version('hello', '1.11.0'));
      expect(await resolved('^1.0.0')).toBe('1.11.0');
      expect(await resolved('')).toBe('1.11.0');
      await metadata.components.insert(version('hello', '2.0.0'));
      expect(await resolved('')).toBe('2.0.0');
      expect(await resolved('1')).toBe('1.11.0');
    });

    test('a version that is not semver (vite dev takes package.json\'s as it is) is found by its exact string only', async () => {
      expect(await backend.insertVersion(version('dev', '0.1'))).toBe(true);
      // Nothing of dev is cached in either layer yet: the first answer comes from the backend, the second from the cache.
      for (const components of [layer(backend).components, metadata.components]) {
        expect((await components.resolve('dev', '0.1'))?.version).toBe('0.1');
        expect((await components.resolve('dev', '0.1'))?.version).toBe('0.1');
        expect(await components.has('dev')).toBe(true);
        expect((await components.resolve('dev', ''))?.version).toBe('0.1');
        expect(await components.resolve('dev', '0.x')).toBeNull();
        expect(await components.resolve('dev', 'nonsense')).toBeUndefined();
        expect((await components.list('dev', 1, 10)).components[0]).toMatchObject({ name: 'dev', latest: '0.1', versions: ['0.1'] });
        expect((await components.versions('dev')).map((r) => r.version)).toEqual(['0.1']);
      }
      await metadata.components.insert(version('dev', '0.2.0'));
      expect((await metadata.components.versions('dev')).map((r) => r.version)).toEqual(['0.2.0', '0.1']);
      expect((await metadata.components.resolve('dev', ''))?.version).toBe('0.2.0');
    });

    test('versions() are highest first with manifests; list() summarises', async () => {
      expect((await metadata.components.versions('hello')).map((r) => r.version)).toEqual(['2.0.0-rc.1', '1.10.0', '1.2.0-beta.1', '1.1.0', '1.0.0', '0.9.0']);
      await metadata.components.insert(version('hello', '1.10.1', { publishedAt: 1_800_000_000_000, description: 'the newest' }));
      const { components, total } = await metadata.components.list('', 1, 10);
      expect(total).toBe(1);
      expect(components).toEqual([
        {
          name: 'hello',
          latest: '1.10.1',
          description: 'the newest',
          versions: ['2.0.0-rc.1', '1.10.1', '1.10.0', '1.2.0-beta.1', '1.1.0', '1.0.0', '0.9.0'],
          publishedAt: new Date(1_800_000_000_000).toISOString(),
        },
      ]);
      expect(await metadata.components.count()).toBe(1);
    });
  });

  describe('caches (the layer)', () => {
    test('a version resolved before is served without asking the backend', async () => {
      const spy = counted(backend);
      const { components } = layer(spy.proxy);
      await components.insert(version('hot', '1.0.0'));
      await components.insert(version('hot', '1.1.0'));
      expect((await components.resolve('hot', '1.x'))?.version).toBe('1.1.0');
      expect((await components.resolve('hot', '1.0.0'))?.version).toBe('1.0.0');
      spy.reset();
      for (let i = 0; i < 5; i++) {
        expect((await components.resolve('hot', '1.x'))?.version).toBe('1.1.0');
        expect((await components.resolve('hot', '1.0.0'))?.version).toBe('1.0.0');
        expect((await components.get('hot', '1.1.0'))?.version).toBe('1.1.0');
      }
      expect(spy.calls).toEqual({});
    });

    test('publishing and resolving do not reload a name\'s versions, however many there are', async () => {
      const spy = counted(backend);
      const { components } = layer(spy.proxy);
      for (let i = 0; i < 300; i++) await components.insert(version('many', `1.${i}.0`));
      expect((await components.resolve('many', ''))?.version).toBe('1.299.0');
      spy.reset();
      for (let i = 300; i < 320; i++) {
        expect(await components.insert(version('many', `1.${i}.0`))).toBe(true);
        expect((await components.resolve('many', ''))?.version).toBe(`1.${i}.0`);
        expect((await components.resolve('many', '^1.5.0'))?.version).toBe(`1.${i}.0`);
      }
      // One insert per publish; the index is updated in place and the new record is cached.
      expect(spy.calls).toEqual({ insertVersion: 20 });
    });

    test('a change reported for one version is read again and put in place; for a name or anything, dropped', async () => {
      let emit: (change: MetadataChange) => void = () => {};
      const spy = counted({ ...backend, watch: (listener: (change: MetadataChange) => void) => ((emit = listener), () => {}) });
      const { components } = layer(spy.proxy);
      for (let i = 0; i < 300; i++) await backend.insertVersion(version('told', `1.${i}.0`));
      const latest = async () => (await components.resolve('told', ''))?.version;
      expect(await latest()).toBe('1.299.0');
      const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

      // Written behind the layer's back, then reported as another process's change would be.
      await backend.insertVersion(version('told', '1.300.0'));
      emit({ name: 'told', version: '1.300.0' });
      await settle();
      expect(await latest()).toBe('1.300.0');
      await backend.setDeprecated('told', '1.300.0', 'no');
      emit({ name: 'told', version: '1.300.0' });
      await settle();
      expect(await latest()).toBe('1.299.0');
      expect((await components.resolve('told', '1.300.0'))?.deprecated).toBe('no');
      // Not one reload of the 300 versions for that.
      expect(spy.calls.listVersions).toBe(1);

      await backend.setDeprecated('told', '1.299.0', 'no');
      emit({ name: 'told' });
      expect(await latest()).toBe('1.298.0');
      await backend.setDeprecated('told', '1.298.0', 'no');
      emit({});
      expect(await latest()).toBe('1.297.0');
      expect(spy.calls.listVersions).toBe(3);
    });

    test('an exact version missing from the cache is asked of the backend every time (never a cached 404)', async () => {
      const spy = counted(backend);
      const { components } = layer(spy.proxy);
      expect(await components.resolve('late', '1.0.0')).toBeNull();
      expect(await components.resolve('late', '1.0.0')).toBeNull();
      expect(spy.calls.getVersion).toBe(2);
      // Written behind the layer's back, as another process would.
      await backend.insertVersion(version('late', '1.0.0'));
      expect((await components.resolve('late', '1.0.0'))?.version).toBe('1.0.0');
    });
  });

  describe('tokens', () => {
    test('create: mikr0_<id>_<secret>, verified with its scopes, the use recorded', async () => {
      const { tokens } = layer(backend);
      const { token, info } = await tokens.create(['publish'], 'ci');
      expect(token).toMatch(/^mikr0_[a-z0-9]{12}_[A-Za-z0-9_-]{32}$/);
      expect(info).toMatchObject({ id: token.split('_')[1], label: 'ci', scopes: ['publish'], lastUsedAt: null, revoked: false });
      expect(Date.parse(info.createdAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(await tokens.verify(token)).toMatchObject({ ok: true, row: { scopes: ['publish'], names: null, expiresAt: null } });
      const [listed] = await tokens.list();
      expect(listed.lastUsedAt).not.toBeNull();
      const both = await tokens.create(['publish', 'admin']);
      expect(await tokens.verify(both.token)).toMatchObject({ ok: true, row: { scopes: ['publish', 'admin'] } });
    });

    test('name patterns and expiry are kept; an expired token verifies as expired, a revoked one as revoked', async () => {
      const { tokens } = layer(backend);
      const scoped = await tokens.create(['publish'], 'team', { names: '@checkout/*, header', expires: '30d' });
      expect(scoped.info.names).toEqual(['@checkout/*', 'header']);
      expect(Date.parse(scoped.info.expiresAt!) - Date.parse(scoped.info.createdAt)).toBe(30 * 86_400_000);
      expect(await tokens.verify(scoped.token)).toMatchObject({ ok: true, row: { names: ['@checkout/*', 'header'] } });
      const short = await tokens.create(['publish'], 'short', { expiresInMs: 30 });
      await new Promise((resolve) => setTimeout(resolve, 40));
      expect(await tokens.verify(short.token)).toMatchObject({ ok: false, reason: 'expired', id: short.info.id });
      expect((await tokens.list()).find((t) => t.id === short.info.id)).toMatchObject({ expired: true, revoked: false });
      await tokens.revoke(scoped.info.id);
      expect(await tokens.verify(scoped.token)).toMatchObject({ ok: false, reason: 'revoked' });
      // An admin token manages everything: names do not go with it. Bad patterns and lifetimes are refused.
      await expect(tokens.create(['admin'], '', { names: ['x'] })).rejects.toThrow(/admin token manages the whole registry/);
      await expect(tokens.create(['publish'], '', { names: ['Has Space'] })).rejects.toThrow(/not a name pattern/);
      await expect(tokens.create(['publish'], '', { expiresInMs: -1 })).rejects.toThrow(/positive duration/);
    });

    test('creating and revoking with `by` writes the audit log', async () => {
      const { tokens, audit } = layer(backend);
      const by = { actor: 'cli (ann)', tokenId: null, address: 'local', requestId: null };
      const { info } = await tokens.create(['publish'], 'ci', { names: ['@team/*'], by });
      await tokens.revoke(info.id, by);
      await tokens.create(['publish'], 'quiet');
      const entries = await audit.list({ limit: 10 });
      expect(entries.map((e) => e.action)).toEqual(['token.revoke', 'token.create']);
      expect(entries[1]).toMatchObject({ actor: 'cli (ann)', address: 'local', tokenId: null });
      expect(entries[1].detail).toContain(`publish token ${info.id} "ci" names @team/*`);
    });

    test('a wrong secret, an unknown id or a malformed token verifies as null', async () => {
      const { tokens } = layer(backend);
      const { token } = await tokens.create(['admin']);
      // The secret is base64url, so it may hold "_" itself: cut by position.
      const id = token.slice(6, 18);
      const secret = token.slice(19);
      expect(secret).toHaveLength(32);
      const wrong = `mikr0_${id}_${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
      for (const bad of [wrong, `mikr0_${'a'.repeat(12)}_${secret}`, 'mikr0_short_x', '', token.toUpperCase(), `${token}x`]) {
        expect((await tokens.verify(bad)).ok, bad).toBe(false);
      }
      expect((await tokens.list())[0].lastUsedAt).toBeNull();
    });

    test('revoke by id or by the whole token; a second revoke is false', async () => {
      const { tokens } = layer(backend);
      const first = await tokens.create(['publish']);
      const second = await tokens.create(['publish']);
      expect(await tokens.revoke(first.info.id)).toBe(true);
      expect(await tokens.revoke(second.token)).toBe(true);
      expect(await tokens.verify(first.token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await tokens.verify(second.token)).toMatchObject({ ok: false, reason: 'revoked' });
      expect(await tokens.revoke(first.info.id)).toBe(false);
      expect(await tokens.revoke('nosuchtoken1')).toBe(false);
      expect((await tokens.list()).map((t) => t.revoked)).toEqual([true, true]);
    });

    test('list is oldest first and never shows a secret or its hash', async () => {
      const { tokens } = layer(backend);
      const made = [];
      for (const label of ['one', 'two', 'three']) made.push(await tokens.create(['publish'], label));
      const list = await tokens.list();
      expect(list.map((t) => t.label)).toEqual(['one', 'two', 'three']);
      const text = JSON.stringify(list);
      for (const { token } of made) {
        const secret = token.slice(-32);
        expect(text).not.toContain(secret);
      }
      const row = await backend.getToken(made[0].info.id);
      expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(text).not.toContain(row!.hash);
      expect(Object.keys(list[0]).sort()).toEqual(['createdAt', 'expired', 'expiresAt', 'id', 'label', 'lastUsedAt', 'names', 'revoked', 'scopes']);
    });

    test('scopes are checked before anything is stored', async () => {
      const { tokens } = layer(backend);
      await expect(tokens.create(['root' as 'admin'])).rejects.toThrow(/Unknown token scope "root": use publish or admin/);
      await expect(tokens.create([])).rejects.toThrow(/at least one scope: publish or admin/);
      expect(await tokens.list()).toEqual([]);
    });
  });
}
