/** The browser fixtures, built by the plugin in the global setup, published to a test registry. */
import { inject } from 'vitest';
import { publishDir, type TestRegistry } from '../helpers.js';

/** Publishes every fixture bundle setup.ts built (greeter@1.0.0, greeter@2.0.0, badge@1.0.0, …; test/browser/fixtures). */
export async function publishComponents(registry: Pick<TestRegistry, 'url' | 'token'>) {
  for (const [id, dir] of Object.entries(inject('browserBundles'))) {
    const response = await publishDir(registry, dir);
    if (response.status !== 201) throw new Error(`publishing ${id} failed: ${response.status} ${await response.text()}`);
  }
}

/** Publishes only the bundles named (`name@version`), e.g. one component to a second registry. */
export async function publishOnly(registry: Pick<TestRegistry, 'url' | 'token'>, ids: string[]) {
  const bundles = inject('browserBundles');
  for (const id of ids) {
    if (!bundles[id]) throw new Error(`no bundle ${id}: add it to BUILDS in test/browser/setup.ts`);
    const response = await publishDir(registry, bundles[id]);
    if (response.status !== 201) throw new Error(`publishing ${id} failed: ${response.status} ${await response.text()}`);
  }
}
