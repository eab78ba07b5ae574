/**
 * The playground in real Chromium, on other registries: components built by the plugin (from
 * the global setup), and a registry behind a path prefix.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { publishComponents } from '../components.js';
import { publish, startRegistry } from '../../helpers.js';
import { poll, text, greeting, field, renderStatus, loaderData, newPage, usePlayground } from './page.js';

usePlayground();

describe('playground', () => {
  test('a component built by the plugin: its manifest lists the actions; a loader failure shows as 500', async () => {
    const built = await startRegistry();
    try {
      await publishComponents(built);
      const page = await newPage();
      await page.goto(`${built.url}/?component=greeter`);
      await poll(() => text(page, 'mikro-component .greeting')).toBe('Hello, World!');
      expect(await page.locator('#action-name option').allTextContents()).toEqual(['add', 'fail']);
      await field(page, 'fail').check();
      await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('failed');
      expect(await renderStatus(page)).toMatch(/^500[A-Z_]+$/);
      expect(await page.locator('[data-render-error]').isVisible()).toBe(true);
      expect(await loaderData(page)).toBe('—');
      expect(page.errors).toEqual([]);
    } finally {
      await built.close();
    }
  });

  test('works under a path prefix (every request the page makes stays under it), with a scoped name', async () => {
    let target = '';
    const proxy = http.createServer((req, res) => {
      if (!req.url!.startsWith('/tools/mikr0/')) return void res.writeHead(404).end('outside the prefix');
      const upstream = http.request(target + req.url!.slice('/tools/mikr0'.length), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const prefixed = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/tools/mikr0`;
    const behind = await startRegistry({ publicUrl: prefixed });
    target = behind.url;
    try {
      expect((await publish(behind, 'hello', { name: '@acme/hello' })).status).toBe(201);
      const page = await newPage();
      const paths: string[] = [];
      page.on('request', (request) => void paths.push(new URL(request.url()).pathname));
      await page.goto(`${prefixed}/`);
      await page.locator('[data-component="@acme/hello"]').click();
      await poll(() => greeting(page)).toBe('Hello, World!');
      expect(new URL(page.url()).searchParams.get('component')).toBe('@acme/hello');
      // Mounted: the client module came through the prefix too (the server HTML alone shows the text).
      await poll(() => page.locator('mikro-component').getAttribute('state')).toBe('mounted');
      await page.locator('#action-name').fill('add');
      await page.locator('#action-input').fill('{"a": 1, "b": 2}');
      await page.getByRole('button', { name: 'Run' }).click();
      await poll(() => text(page, '[data-action-result] pre')).toBe('{\n  "sum": 3\n}');
      expect(paths.filter((path) => !path.startsWith('/tools/mikr0/'))).toEqual([]);
      expect(paths).toEqual(
        expect.arrayContaining(['/tools/mikr0/r/client.js', '/tools/mikr0/r/components', '/tools/mikr0/r/components/%40acme%2Fhello', '/tools/mikr0/r/component/%40acme%2Fhello/1.0.0']),
      );
      expect(await page.locator('.snippet').nth(1).textContent()).toBe(`curl '${prefixed}/r/component/%40acme%2Fhello/1.0.0?name=World'`);
      expect(page.errors).toEqual([]);
    } finally {
      await behind.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
