/**
 * The ONE metadata conformance suite: every backend (backends.test.ts runs it on memory and
 * SQLite) must pass it, through the backend itself and through the layer on top
 * (conformance-layer.ts).
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createMetadata, type Metadata } from '../../registry-lite/metadata/index.js';
import type { MetadataBackend } from '../../registry-lite/metadata/types.js';
import { describeLayerConformance } from './conformance-layer.js';
import { describeRecordsConformance } from './conformance-records.js';
import { counted, eventually, manifest, version, type MetadataFixture } from './fixtures.js';

export { manifest, version, type MakeMetadataBackend, type MetadataFixture } from './fixtures.js';

/** The behaviour every metadata backend must share, through the backend itself and through the layer on top. */
export function describeMetadataBackend(name: string, make: () => Promise<MetadataFixture>): void {
  describe(`metadata backend conformance: ${name}`, () => {
    let fixture: MetadataFixture;
    let backend: MetadataBackend;
    const opened: { close(): Promise<void> }[] = [];
    /** The backend-neutral layer over a backend; closed after the test. */
    const layer = (over: MetadataBackend): Metadata => {
      const metadata = createMetadata(over);
      opened.push(metadata);
      return metadata;
    };

    beforeEach(async () => {
      fixture = await make();
      backend = fixture.backend;
    });
    afterEach(async () => {
      for (const item of opened.splice(0)) await item.close().catch(() => {});
      await backend.close().catch(() => {});
      await fixture.cleanup();
    });

    describe('versions', () => {
      test('has a name; a version round trips; absence is null or []', async () => {
        expect(backend.name).toMatch(/^\S+$/);
        expect(await backend.getVersion('hello', '1.0.0')).toBeNull();
        expect(await backend.listVersions('hello')).toEqual([]);
        expect(await backend.getVersions('hello')).toEqual([]);
        expect(await backend.insertVersion(version('hello', '1.0.0'))).toBe(true);
        expect(await backend.getVersion('hello', '1.0.0')).toEqual({ ...version('hello', '1.0.0'), deprecated: null, unpublishedAt: null });
        expect(await backend.getVersion('hello', '1.0.1')).toBeNull();
        expect(await backend.getVersion('hell', '1.0.0')).toBeNull();
      });

      test('a version exists once: a second insert is false and changes nothing', async () => {
        expect(await backend.insertVersion(version('hello', '1.0.0'))).toBe(true);
        expect(await backend.insertVersion(version('hello', '1.0.0', { description: 'impostor', prefix: 'x/y/z' }))).toBe(false);
        const record = await backend.getVersion('hello', '1.0.0');
        expect(record?.description).toBe('hello at 1.0.0');
        expect(record?.prefix).toBe('hello/1.0.0/abc');
        // The same version of another name is another version.
        expect(await backend.insertVersion(version('other', '1.0.0'))).toBe(true);
      });

      test('a record handed out or taken in is a copy: changing it changes nothing stored', async () => {
        const given = version('hello', '1.0.0');
        await backend.insertVersion(given);
        given.manifest.client.push('server.cjs');
        const got = (await backend.getVersion('hello', '1.0.0'))!;
        expect(got.manifest.client).toEqual(['template.js']);
        got.manifest.client.push('evil.js');
        expect((await backend.getVersion('hello', '1.0.0'))!.manifest.client).toEqual(['template.js']);
      });

      test('listVersions is the small index; getVersions has every manifest', async () => {
        await backend.insertVersion(version('hello', '1.0.0', { publishedAt: 1000 }));
        await backend.insertVersion(version('hello', '2.0.0-beta.1', { publishedAt: 2000 }));
        await backend.insertVersion(version('other', '9.0.0'));
        await backend.setDeprecated('hello', '1.0.0', 'old');
        const index = (await backend.listVersions('hello')).sort((a, b) => a.publishedAt - b.publishedAt);
        expect(index).toEqual([
          { version: '1.0.0', deprecated: true, unpublished: false, publishedAt: 1000 },
          { version: '2.0.0-beta.1', deprecated: false, unpublished: false, publishedAt: 2000 },
        ]);
        const full = (await backend.getVersions('hello')).sort((a, b) => a.publishedAt - b.publishedAt);
        expect(full.map((r) => [r.version, r.deprecated, r.manifest.files['template.js'].integrity])).toEqual([
          ['1.0.0', 'old', 'sha256-hello@1.0.0'],
          ['2.0.0-beta.1', null, 'sha256-hello@2.0.0-beta.1'],
        ]);
      });

      test('setDeprecated sets and clears; replaceManifest replaces; both false for a missing version', async () => {
        await backend.insertVersion(version('hello', '1.0.0'));
        expect(await backend.setDeprecated('hello', '1.0.0', 'use 2.x')).toBe(true);
        expect((await backend.getVersion('hello', '1.0.0'))?.deprecated).toBe('use 2.x');
        expect(await backend.setDeprecated('hello', '1.0.0', null)).toBe(true);
        expect((await backend.getVersion('hello', '1.0.0'))?.deprecated).toBeNull();
        expect(await backend.setDeprecated('hello', '3.0.0', 'x')).toBe(false);
        expect(await backend.setDeprecated('nope', '1.0.0', 'x')).toBe(false);
        expect(await backend.replaceManifest('hello', '1.0.0', manifest('changed', { actions: ['save'] }))).toBe(true);
        expect((await backend.getVersion('hello', '1.0.0'))?.manifest).toEqual(manifest('changed', { actions: ['save'] }));
        expect(await backend.replaceManifest('hello', '3.0.0', manifest('x'))).toBe(false);
        expect(await backend.getVersion('hello', '3.0.0')).toBeNull();
      });

      test('racing inserts of one version: exactly one wins, the others are false', async () => {
        const others = [backend, fixture.another() ?? backend, fixture.another() ?? backend];
        const layers = others.map((b) => layer(b).components);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => layers[i % layers.length].insert(version('race', '1.0.0', { prefix: `race/1.0.0/${i}` }))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await backend.getVersion('race', '1.0.0'))?.prefix).toBe(`race/1.0.0/${winner}`);
        for (const components of layers) expect((await components.get('race', '1.0.0'))?.prefix).toBe(`race/1.0.0/${winner}`);
        for (const other of new Set(others)) if (other !== backend) await other.close();
      });
    });

    describe('search', () => {
      beforeEach(async () => {
        for (const name of ['beta', 'alpha', 'gamma-ui', 'delta', 'a%b', 'a_c', 'axc', 'back\\slash']) {
          await backend.insertVersion(version(name, '1.0.0', { description: `The ${name} Widget` }));
        }
        await backend.insertVersion(version('alpha', '2.0.0', { description: 'now with CHARTS' }));
      });

      test.each([
        ['', ['a%b', 'a_c', 'alpha', 'axc', 'back\\slash', 'beta', 'delta', 'gamma-ui']],
        ['a', ['a%b', 'a_c', 'alpha', 'axc', 'back\\slash', 'beta', 'delta', 'gamma-ui']],
        ['%', ['a%b']],
        ['_', ['a_c']],
        ['a_', ['a_c']],
        ['a%', ['a%b']],
        ['\\', ['back\\slash']],
        ['ALPHA', ['alpha']],
        ['charts', ['alpha']],
        ['-ui', ['gamma-ui']],
        ['nothing', []],
      ])('q=%j finds names and descriptions (a plain substring, ASCII case-insensitive)', async (query, names) => {
        const found = await backend.search(query, 1, 100);
        expect(found).toEqual({ names, total: names.length });
      });

      test('pages are sorted by name, with the total of all pages', async () => {
        expect(await backend.search('', 1, 3)).toEqual({ names: ['a%b', 'a_c', 'alpha'], total: 8 });
        expect(await backend.search('', 3, 3)).toEqual({ names: ['delta', 'gamma-ui'], total: 8 });
        expect(await backend.search('', 4, 3)).toEqual({ names: [], total: 8 });
        expect(await backend.search('widget', 2, 5)).toEqual({ names: ['beta', 'delta', 'gamma-ui'], total: 8 });
      });
    });


    describeRecordsConformance({
      backend: () => backend,
      fixture: () => fixture,
      reopen: async () => {
        const reopened = await fixture.reopen();
        if (reopened) backend = reopened;
        return reopened;
      },
    });

    describeLayerConformance({ backend: () => backend, layer });

    test('ping resolves while open; every call rejects after close', async () => {
      await expect(backend.ping()).resolves.toBeUndefined();
      await backend.close();
      await expect(backend.ping()).rejects.toThrow();
      await expect(backend.getVersion('a', '1.0.0')).rejects.toThrow();
      await expect(backend.insertVersion(version('a', '1.0.0'))).rejects.toThrow();
    });

    test('reopened, the data is there (or, for a backend that keeps nothing, it is gone)', async () => {
      const metadata = layer(backend);
      await metadata.components.insert(version('kept', '1.0.0'));
      await metadata.components.insert(version('kept', '1.1.0'));
      await metadata.components.deprecate('kept', '1.1.0', 'bad');
      const { token } = await metadata.tokens.create(['publish'], 'kept');
      metadata.components.close();
      const reopened = await fixture.reopen();
      if (reopened === null) {
        // memory: nothing outlives the instance, and a new one starts empty.
        return;
      }
      backend = reopened;
      const again = layer(reopened);
      expect((await again.components.resolve('kept', ''))?.version).toBe('1.0.0');
      expect((await again.components.resolve('kept', '1.1.0'))?.deprecated).toBe('bad');
      expect(await again.tokens.verify(token)).toMatchObject({ ok: true, row: { scopes: ['publish'] } });
    });

    test('another instance\'s changes reach this layer within a second; its own writes are not reported', async () => {
      const other = fixture.another();
      if (other === null) {
        // memory: no other instance can reach this data, so `watch` has nothing to report.
        const unwatch = backend.watch(() => {
          throw new Error('memory never reports a change');
        });
        await backend.insertVersion(version('quiet', '1.0.0'));
        unwatch();
        return;
      }
      try {
        const seen: unknown[] = [];
        const unwatch = backend.watch((change) => seen.push(change));
        const spy = counted(backend);
        const { components } = layer(spy.proxy);
        await components.insert(version('shared', '1.0.0'));
        expect((await components.resolve('shared', '1.x'))?.version).toBe('1.0.0');
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(seen).toEqual([]);

        await other.insertVersion(version('shared', '1.1.0'));
        // An exact version is asked of the backend at once: never a 404 on a fresh publish elsewhere.
        expect((await components.resolve('shared', '1.1.0'))?.version).toBe('1.1.0');
        await other.insertVersion(version('shared', '1.2.0'));
        const waited = await eventually(async () => (await components.resolve('shared', '1.x'))?.version, '1.2.0');
        expect(waited).toBeLessThan(1200);
        expect(seen.length).toBeGreaterThan(0);
        // Deprecated elsewhere: ranges skip it once the change is seen.
        await other.setDeprecated('shared', '1.2.0', 'no');
        await eventually(async () => (await components.resolve('shared', '1.x'))?.version, '1.1.0');
        // And then it is the cache again that answers.
        spy.reset();
        expect((await components.resolve('shared', '1.x'))?.version).toBe('1.1.0');
        expect(spy.calls).toEqual({});
        unwatch();
      } finally {
        await other.close();
      }
    });
  });
}
