/**
 * The `mikr0` CLI end to end: real child processes of dist/cli/index.js against a registry
 * the CLI itself started, so flags, exit codes and messages are what a user sees. The built
 * binary on purpose (the package's bin, what `npx mikr0` runs), so this is an e2e test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openMetadata } from '../../registry-lite/index.js';
import { cli, fixtures, tempDir } from '../helpers.js';
import { childEnv, closedPort, mikr0, startRegistryCli, stop, stopAll, type Running } from './process.js';

let work: string;
let data: string;
let bundle: string;
let registry: Running;
let publishToken: string;
let adminToken: string;

beforeAll(async () => {
  work = await tempDir('mikr0-cli-');
  data = path.join(work, 'data');
  bundle = path.join(work, 'hello');
  await fs.cp(path.join(fixtures, 'hello'), bundle, { recursive: true });
  registry = await startRegistryCli(['--port', '0', '--data', data]);
});

afterAll(async () => {
  await stopAll();
  await fs.rm(work, { recursive: true, force: true });
});

describe('basics', () => {
  test('--version, --help, unknown command', async () => {
    const pkg = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-v']) {
      const version = await mikr0([flag]);
      expect(version.code).toBe(0);
      expect(version.stdout.trim()).toBe(pkg.version);
    }
    const help = await mikr0(['publish', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--token');
    const unknown = await mikr0(['bogus']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('Commands:');
    expect(unknown.stderr).toMatch(/error: unknown command "bogus"/);
  });

  test('the registry says where it listens, where data lives and how auth works', () => {
    expect(registry.output()).toContain(data);
    expect(registry.output()).toMatch(/tokens only/);
  });
});

describe('a registry started by the CLI', () => {
  test('token create (-d) prints the token alone on stdout while the registry runs', async () => {
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--label', 'ci', '-d', data]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^mikr0_[a-z0-9]{12}_[\w-]{32}\n$/);
    expect(created.stderr).toMatch(/shown once.*MIKR0_TOKEN/);
    publishToken = created.stdout.trim();
    adminToken = (await mikr0(['token', 'create', '--scope', 'admin', '-d', data])).stdout.trim();

    const list = await mikr0(['token', 'list', '-d', data]);
    expect(list.stdout).toContain(publishToken.split('_')[1]);
    expect(list.stdout).toContain('ci');
    const bad = await mikr0(['token', 'create', '--scope', 'root', '-d', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/publish.*admin/);
  });

  test('publish (-r -t) uploads and prints the render URL', async () => {
    const result = await mikr0(['publish', bundle, '-r', registry.url, '-t', publishToken]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${registry.url}/r/component/hello/1.0.0`);
    expect(result.stderr).toMatch(/packed 5 files/);
  });

  test('the published component renders, runs actions and serves client files only', async () => {
    const render = await fetch(`${registry.url}/r/component/hello/1.0.0?name=Ann`);
    expect(render.status).toBe(200);
    expect((await render.json()).data.greeting).toBe('Hello, Ann!');

    const action = await fetch(`${registry.url}/r/action/hello/1.0.0`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'add', input: { a: 2, b: 3 } }),
    });
    expect(await action.json()).toEqual({ data: { sum: 5 } });

    const template = await fetch(`${registry.url}/r/static/hello/1.0.0/template.js`);
    expect(template.status).toBe(200);
    expect(template.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${registry.url}/r/static/hello/1.0.0/server.cjs`)).status).toBe(404);
  });

  test('ls and info show it', async () => {
    const ls = await mikr0(['ls', '-r', registry.url]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/hello\s+1\.0\.0\s+Greets someone/);
    const none = await mikr0(['ls', 'nothing-like-this', '-r', registry.url]);
    expect(none.stdout).not.toContain('hello');

    const info = await mikr0(['info', 'hello', '-r', registry.url]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('1.0.0');
    expect(info.stdout).toMatch(/name\s+string\s+yes/);
  });

  test('deprecate (-m) needs a token covering the name, or the admin scope', async () => {
    const scoped = (await mikr0(['token', 'create', '--scope', 'publish', '--names', '@other/*', '-d', data])).stdout.trim();
    const denied = await mikr0(['deprecate', 'hello@1.0.0', '-m', 'old', '-r', registry.url, '-t', scoped]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/error: .*only publish and deprecate names matching @other\/\*/);

    const ok = await mikr0(['deprecate', 'hello@1.0.0', '-m', 'old', '-r', registry.url, '-t', adminToken]);
    expect(ok.code, ok.stderr).toBe(0);
    const info = await mikr0(['info', 'hello', '-r', registry.url]);
    expect(info.stdout).toMatch(/1\.0\.0\s+\S+ \S+\s+old/);
  });

  test('publishing the same version again asks for a bump', async () => {
    const again = await mikr0(['publish', bundle, '-r', registry.url, '-t', publishToken]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already published/);
    expect(again.stderr).toMatch(/bump/);
  });

  test('a wrong token, a closed port, a folder without package.json, no credentials', async () => {
    const wrong = await mikr0(['publish', bundle, '-r', registry.url, '-t', 'mikr0_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/error: Invalid credentials/);
    expect(wrong.stderr).toMatch(/--token/);

    const down = await mikr0(['publish', bundle, '-r', `http://127.0.0.1:${await closedPort()}`, '-t', publishToken]);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toMatch(/cannot reach the registry at http:\/\/127\.0\.0\.1:\d+: is it running\?/);

    const empty = await mikr0(['publish', work, '-r', registry.url, '-t', publishToken]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain(`no package.json in ${work}`);

    const anonymous = await mikr0(['publish', bundle, '-r', registry.url]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/no credentials/);
    expect(anonymous.stderr).not.toMatch(/uploading/);
  });

  test('--port (-p) in use fails with a message naming the port', async () => {
    const port = new URL(registry.url).port;
    const taken = await mikr0(['registry', '-p', port, '-d', path.join(work, 'other')]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`port ${port} is already in use`);
    expect(taken.stderr).toContain('--port');
  });

  test('a restart on the same data folder keeps the component', async () => {
    expect(await stop(registry.child)).toBe(0);
    registry = await startRegistryCli(['-p', '0', '-d', data]);
    // Deprecated, so ask for the exact version (a range would skip it).
    const render = await fetch(`${registry.url}/r/component/hello/1.0.0?name=Ann`);
    expect((await render.json()).data.greeting).toBe('Hello, Ann!');
  });
});

describe('a registry with a config file (-c)', () => {
  test('limits apply and the admin user (-u) can publish', async () => {
    const config = path.join(work, 'mikr0.config.mjs');
    await fs.writeFile(
      config,
      `export default { limits: { maxBundleBytes: 200 }, auth: { username: 'root', password: 's3cret' }, workers: 1 };\n`,
    );
    const small = await startRegistryCli(['-p', '0', '-d', path.join(work, 'small'), '-c', config]);
    expect(small.output()).toMatch(/admin user "root"/);

    const tooBig = await mikr0(['publish', bundle, '-r', small.url, '-u', 'root', '--password', 's3cret']);
    expect(tooBig.code).not.toBe(0);
    expect(tooBig.stderr).toMatch(/the bundle is too big: the registry accepts at most 200 B/);

    const wrong = await mikr0(['publish', bundle, '-r', small.url, '-u', 'root', '--password', 'nope']);
    expect(wrong.stderr).toMatch(/Invalid credentials/);
    expect(wrong.stderr).toMatch(/--password/);
    await stop(small.child);
  });

  test('every registry option is a known key of a config file; a typo is named', async () => {
    const config = path.join(work, 'keys.mjs');
    await fs.writeFile(config, `export default { ui: false, cacheSize: 10, memoryLimitMb: 128, limit: { maxFiles: 5 } };\n`);
    const started = await startRegistryCli(['-p', '0', '-d', path.join(work, 'keys'), '-c', config]);
    expect(started.output()).toMatch(/keys\.mjs has unknown keys: limit\n/);
    // ui: false is honoured, not just accepted: no playground at /.
    expect((await fetch(`${started.url}/`)).status).toBe(404);
    await stop(started.child);
  });

  test('token create -c writes to the database the config names (not to a data folder where it runs)', async () => {
    const dir = path.join(work, 'configured');
    await fs.mkdir(dir);
    const config = path.join(dir, 'mikr0.config.mjs');
    // A relative file means "next to the config", wherever the command runs.
    await fs.writeFile(config, `export default { database: { type: 'sqlite', options: { file: './meta/registry.db' } } };\n`);
    const file = path.join(dir, 'meta', 'registry.db');
    const cwd = await tempDir();
    const created = await mikr0(['token', 'create', '--scope', 'publish', '--label', 'configured', '--config', config], cwd);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain(`created a new registry database at ${file}`);
    const token = created.stdout.trim();
    expect(await fs.readdir(cwd)).toEqual([]);

    const metadata = openMetadata({ database: file });
    try {
      expect(await metadata.tokens.verify(token)).toMatchObject({ ok: true, row: { scopes: ['publish'], label: 'configured' } });
    } finally {
      await metadata.close();
    }
    const list = await mikr0(['token', 'list', '-c', config], cwd);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${token.slice(6, 18)}\\s+configured\\s+publish`));
    // The default data folder of that working folder has no database: the config decided.
    const elsewhere = await mikr0(['token', 'list'], cwd);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`no registry database at ${path.join(cwd, '.mikr0', 'registry.db')}`);
  });

  test('token create -c refuses a database in memory, naming why', async () => {
    const config = path.join(work, 'memory.config.mjs');
    await fs.writeFile(config, `export default { database: { type: 'memory' } };\n`);
    const cwd = await tempDir();
    const result = await mikr0(['token', 'create', '--scope', 'publish', '-c', config], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: the registry's database is in memory .*gone when this command ends/);
    expect(result.stdout).toBe('');
    expect(await fs.readdir(cwd)).toEqual([]);
  });

  test('a config that is not an object, or has bad options, fails with exit 1', async () => {
    const bad = path.join(work, 'bad.mjs');
    await fs.writeFile(bad, 'export default { limits: { maxFiles: -1 } };\n');
    const result = await mikr0(['registry', '-c', bad, '-p', '0', '-d', path.join(work, 'bad')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: limits\.maxFiles must be a positive integer/);

    await fs.writeFile(bad, 'export default 5;\n');
    const notObject = await mikr0(['registry', '-c', bad, '-p', '0']);
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toMatch(/must default-export an object/);
  });
});

describe('mikr0 init', () => {
  const listFiles = async (dir: string) => (await fs.readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));

  test('writes the template with the name filled in, .gitignore restored, and prints the next commands', async () => {
    const cwd = await tempDir();
    const result = await mikr0(['init', 'card', '--template', 'vanilla', '--name', '@team/card'], cwd);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/@team\/card: a vanilla component in card/);
    expect(result.stdout).toMatch(/cd card\n\s+npm install\n\s+npm run dev/);
    const pkg = JSON.parse(await fs.readFile(path.join(cwd, 'card', 'package.json'), 'utf8'));
    const own = JSON.parse(await fs.readFile(path.join(cli, '..', '..', '..', 'package.json'), 'utf8'));
    expect(pkg.name).toBe('@team/card');
    expect(pkg.devDependencies['vite-plugin-mikr0']).toBe(`^${own.version}`);
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['dev', 'build', 'publish']));
    const files = await listFiles(path.join(cwd, 'card'));
    expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['.gitignore', 'vite.config.ts', 'index.ts']));
    for (const file of files) expect(await fs.readFile(file, 'utf8'), file).not.toMatch(/__COMPONENT_NAME__|__MIKR0_VERSION__/);
  });

  test('without a terminal it never prompts: a missing --template is an error naming the flag', async () => {
    const cwd = await tempDir();
    const result = await mikr0(['init', 'x'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: Which framework\? Pass --template\nTemplates: .*react.*\n?/);
    expect(await fs.readdir(cwd)).toEqual([]);
  });

  test('refuses a non-empty folder and leaves it as it was; refuses unknown templates and bad names', async () => {
    const cwd = await tempDir();
    await fs.mkdir(path.join(cwd, 'taken'));
    await fs.writeFile(path.join(cwd, 'taken', 'package.json'), 'mine');
    const taken = await mikr0(['init', 'taken', '--template', 'react'], cwd);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/is not empty; init never overwrites files/);
    expect(await fs.readdir(path.join(cwd, 'taken'))).toEqual(['package.json']);
    expect(await fs.readFile(path.join(cwd, 'taken', 'package.json'), 'utf8')).toBe('mine');
    const unknown = await mikr0(['init', 'a', '--template', 'angular'], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/There is no "angular" template\nTemplates: preact, react, solid, svelte, vanilla, vue/);
    const badName = await mikr0(['init', 'b', '--template', 'vue', '--name', 'Bad Name'], cwd);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/"Bad Name" cannot be a component name/);
    expect((await fs.readdir(cwd)).sort()).toEqual(['taken']);
  });

  test('in a terminal it asks for the framework and the name', async () => {
    const cwd = await tempDir();
    // `script` gives the CLI a pseudo-terminal; the answers are typed on its stdin.
    const child = spawn('script', ['-qec', `${process.execPath} ${cli} init`, '/dev/null'], { cwd, env: childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const waitFor = async (text: string) => {
      for (let i = 0; i < 100 && !output.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain(text);
    };
    await waitFor('Pick one [1]:');
    child.stdin.write('2\n');
    await waitFor('Component name [my-component]:');
    child.stdin.write('asked-card\n');
    const [code] = await new Promise<[number | null]>((resolve) => child.on('close', (c) => resolve([c])));
    expect(code, output).toBe(0);
    const pkg = JSON.parse(await fs.readFile(path.join(cwd, 'asked-card', 'package.json'), 'utf8'));
    expect(pkg.name).toBe('asked-card');
    expect(JSON.stringify(pkg.devDependencies)).toMatch(/react/);
  });
});
