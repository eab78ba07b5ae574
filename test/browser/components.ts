/** The browser fixtures, built by the plugin in the global setup, published to a test registry. */
import { inject } from 'vitest';
import { publishDir, type TestRegistry } from '../helpers.js';

/** Publishes greeter@1.0.0, greeter@2.0.0 and badge@1.0.0 (built from test/browser/fixtures). */
export async function publishComponents(registry: Pick<TestRegistry, 'url' | 'token'>) {
  for (const [id, dir] of Object.entries(inject('browserBundles'))) {
    const response = await publishDir(registry, dir);
    if (response.status !== 201) throw new Error(`publishing ${id} failed: ${response.status} ${await response.text()}`);
  }
}
