/** The browser fixtures, built by the plugin in the global setup, published to a test registry. */
import { inject } from 'vitest';
import { collectFiles, packTarGz } from '../../dist/cli/pack.js';
import type { TestRegistry } from '../helpers.js';

/** Publishes greeter@1.0.0, greeter@2.0.0 and badge@1.0.0 (built from test/browser/fixtures). */
export async function publishComponents(registry: Pick<TestRegistry, 'url' | 'token'>) {
  for (const [id, dir] of Object.entries(inject('browserBundles'))) {
    const [name, version] = id.split('@');
    const response = await fetch(`${registry.url}/r/publish/${name}/${version}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${registry.token}`, 'Content-Type': 'application/gzip' },
      body: (await packTarGz(await collectFiles(dir))) as Uint8Array<ArrayBuffer>,
    });
    if (response.status !== 201) throw new Error(`publishing ${id} failed: ${response.status} ${await response.text()}`);
  }
}
