/**
 * `vite preview` prints a URL: what it shows at `/` must be useful, i.e. the playground with
 * the built component, as `vite dev` shows it. A real build of a temp project, a real server.
 */
import fs from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import mikr0 from '../../plugin/index.js';
import { buildProject, writeProject } from '../plugin/project.js';

let dir: string;

beforeAll(async () => {
  dir = await writeProject({
    'package.json': JSON.stringify({ name: 'preview-card', version: '3.1.0', type: 'module' }),
    'src/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';
export default createComponent({
  parameters: { name: { type: 'string', default: 'you' } },
  loader: ({ parameters }) => ({ name: parameters.name }),
  render: (data) => '<b>Hi ' + data.name + '</b>',
});
`,
  });
  await buildProject(dir);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

test('vite preview answers / with the playground naming the built component, its assets and its render URL', async () => {
  const { preview } = await import('vite');
  const server = await preview({ root: dir, configFile: false, logLevel: 'silent', preview: { port: 0, host: '127.0.0.1' }, plugins: [mikr0()] });
  try {
    const url = server.resolvedUrls!.local[0].replace(/\/$/, '');
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('<meta name="mikr0-dev-component" content=\'{"name":"preview-card","version":"3.1.0"}\'>');
    // The page's own script and stylesheet are served too, and the component it shows renders.
    const assets = [...html.matchAll(/(?:src|href)="(\/__mikr0\/playground\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect((await fetch(url + asset)).status, asset).toBe(200);
    const render = await fetch(`${url}/r/component/preview-card/3.1.0?name=Ann`);
    expect((await render.json()).html).toContain('Hi Ann');
  } finally {
    await server.close();
  }
});
