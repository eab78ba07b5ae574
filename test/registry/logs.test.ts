/**
 * Structured logs: `mikr0 registry --log-format json` (the built CLI, a real process) writes
 * one JSON object per line on stdout, a line per response and every other line too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLog } from '../../registry-lite/log.js';
import { resolveOptions } from '../../registry-lite/options.js';
import { bundle, cli, tempDir } from '../helpers.js';
import { childEnv, mikr0, startRegistryCli, stop } from '../cli/process.js';

const admin = `Basic ${Buffer.from('root:hunter2').toString('base64')}`;

interface JsonRegistry {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  /** Resolves with the first JSON line `match` accepts, within 5 s. */
  line: (match: (line: Record<string, any>) => boolean) => Promise<Record<string, any>>;
}

/** Starts the built CLI's registry in json mode; resolves on its `listening` line. */
function startJsonRegistry(args: string[], env: NodeJS.ProcessEnv = {}): Promise<JsonRegistry> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'registry', '--port', '0', ...args], {
      env: { ...childEnv(), MIKR0_ADMIN_USER: 'root', MIKR0_ADMIN_PASSWORD: 'hunter2', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const parsed = () => out.split('\n').filter(Boolean).map((text) => JSON.parse(text) as Record<string, any>);
    const line: JsonRegistry['line'] = async (match) => {
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const found = parsed().find(match);
        if (found) return found;
      }
      throw new Error(`no such log line in:\n${out}`);
    };
    const timer = setTimeout(() => reject(new Error(`registry did not start:\n${out}${err}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const first = out.split('\n')[0];
      if (out.includes('\n') && JSON.parse(first).msg === 'listening') {
        clearTimeout(timer);
        resolve({ child, url: JSON.parse(first).url, stdout: () => out, line });
      }
    });
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code}:\n${out}${err}`));
    });
  });
}

async function publish(url: string, name: string, server: string) {
  const res = await fetch(`${url}/r/publish/${name}/1.0.0`, {
    method: 'PUT',
    headers: { Authorization: admin },
    body: (await bundle(name, '1.0.0', server)) as Uint8Array<ArrayBuffer>,
  });
  expect(res.status).toBe(201);
}

describe('mikr0 registry --log-format json', () => {
  let registry: JsonRegistry;
  let data: string;

  beforeAll(async () => {
    data = await tempDir();
    registry = await startJsonRegistry(['--data', data, '--log-format', 'json']);
    await publish(registry.url, 'log-hello', `module.exports = { loader: () => ({ hi: 1 }), actions: { echo: (input) => input } };`);
    await publish(registry.url, 'log-boom', `module.exports = { loader: () => { throw new Error('kaput'); } };`);
  });
  afterAll(async () => {
    await stop(registry.child);
    await fs.rm(data, { recursive: true, force: true });
  });

  test('the line about a publish names its request', async () => {
    const res = await fetch(`${registry.url}/r/publish/log-traced/1.0.0`, {
      method: 'PUT',
      headers: { Authorization: admin, 'x-request-id': 'logs-publish' },
      body: (await bundle('log-traced', '1.0.0', null)) as Uint8Array<ArrayBuffer>,
    });
    expect(res.status).toBe(201);
    expect(await registry.line((l) => l.requestId === 'logs-publish' && String(l.msg).includes('published'))).toMatchObject({
      level: 30,
      msg: 'mikr0: published log-traced@1.0.0 (2 files) (request logs-publish)',
    });
  });

  test('the banner is a JSON line too', () => {
    const banner = JSON.parse(registry.stdout().split('\n')[0]);
    expect(banner).toMatchObject({ level: 30, msg: 'listening', url: registry.url, data, auth: expect.stringContaining('root') });
    expect(banner.database).toMatch(/^sqlite /);
  });

  test('a line per response: the caller’s request id, method, path without the query, status, duration', async () => {
    const res = await fetch(`${registry.url}/r/component/nope/1.0.0?email=someone%40example.com`, { headers: { 'x-request-id': 'logs-404' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('logs-404');
    const line = await registry.line((l) => l.requestId === 'logs-404');
    expect(line).toEqual({
      level: 30,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestId: 'logs-404',
      method: 'GET',
      path: '/r/component/nope/1.0.0',
      status: 404,
      duration: expect.any(Number),
      msg: 'request',
    });
    expect(registry.stdout()).not.toContain('someone');
  });

  test('without x-request-id: the id the registry made, in the header and the line', async () => {
    const res = await fetch(`${registry.url}/health`);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await registry.line((l) => l.requestId === id)).toMatchObject({ method: 'GET', path: '/health', status: 200, msg: 'request' });
  });

  test('renders and actions name the component version', async () => {
    const render = await fetch(`${registry.url}/r/component/log-hello/1.x?x=1`, { headers: { 'x-request-id': 'logs-render' } });
    expect(render.status).toBe(200);
    expect(await registry.line((l) => l.requestId === 'logs-render')).toMatchObject({
      path: '/r/component/log-hello/1.x',
      status: 200,
      component: 'log-hello@1.0.0',
    });
    const action = await fetch(`${registry.url}/r/action/log-hello/1.0.0`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-request-id': 'logs-action' },
      body: JSON.stringify({ action: 'echo', input: { a: 1 } }),
    });
    expect(action.status).toBe(200);
    expect(await registry.line((l) => l.requestId === 'logs-action')).toMatchObject({ method: 'POST', status: 200, component: 'log-hello@1.0.0' });
  });

  test('an error line about a request carries its level and request id', async () => {
    const res = await fetch(`${registry.url}/r/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-request-id': 'logs-batch' },
      body: JSON.stringify({ components: [{ name: 'log-boom' }] }),
    });
    expect(res.status).toBe(200);
    const error = await registry.line((l) => l.requestId === 'logs-batch' && l.level === 50);
    expect(error.msg).toContain('batch render of log-boom failed');
    expect(await registry.line((l) => l.requestId === 'logs-batch' && l.msg === 'request')).toMatchObject({ status: 200, path: '/r/batch' });
  });

  test('every stdout line is JSON, up to the last ones written before SIGTERM', async () => {
    // Stopped right after a burst: the lines still buffered are written on close.
    const ids = Array.from({ length: 50 }, (_, i) => `logs-last-${i}`);
    await Promise.all(ids.map((id) => fetch(`${registry.url}/health`, { headers: { 'x-request-id': id } })));
    expect(await stop(registry.child)).toBe(0);
    const lines = registry.stdout().split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const logged = new Set(lines.map((line) => JSON.parse(line).requestId));
    expect(ids.filter((id) => !logged.has(id))).toEqual([]);
  });
});

describe('log format settings', () => {
  test('MIKR0_LOG_FORMAT=json without the flag', async () => {
    const data = await tempDir();
    const registry = await startJsonRegistry(['--data', data], { MIKR0_LOG_FORMAT: 'json' });
    try {
      await fetch(`${registry.url}/health`, { headers: { 'x-request-id': 'logs-env' } });
      expect(await registry.line((l) => l.requestId === 'logs-env')).toMatchObject({ path: '/health' });
    } finally {
      await stop(registry.child);
      await fs.rm(data, { recursive: true, force: true });
    }
  });

  test('the default (pretty) writes no JSON', async () => {
    const data = await tempDir();
    const registry = await startRegistryCli(['--port', '0', '--data', data]);
    try {
      await fetch(`${registry.url}/r/component/nope/1.0.0`);
      await fetch(`${registry.url}/health`);
    } finally {
      expect(await stop(registry.child)).toBe(0);
      await fs.rm(data, { recursive: true, force: true });
    }
    expect(registry.output()).toMatch(/listening on http/);
    expect(registry.output().split('\n').filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
  });

  test('--log-format xml stops before starting, naming the formats', async () => {
    const data = await tempDir();
    const { code, stdout, stderr } = await mikr0(['registry', '--port', '0', '--data', `${data}/new`, '--log-format', 'xml']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain('"xml" is not a log format');
    expect(stderr).toContain('--log-format pretty or --log-format json');
    await expect(fs.stat(`${data}/new`)).rejects.toThrow(/ENOENT/);
    await fs.rm(data, { recursive: true, force: true });
  });

  test.each([
    [{}, {}, 'pretty'],
    [{}, { MIKR0_LOG_FORMAT: 'json' }, 'json'],
    [{ logFormat: 'pretty' as const }, { MIKR0_LOG_FORMAT: 'json' }, 'pretty'],
  ])('resolveOptions(%j) with env %j → %s', (options, env, format) => {
    expect(resolveOptions(options, env).logFormat).toBe(format);
  });

  test('a wrong format is a TypeError naming the allowed values (and the variable it came from)', () => {
    expect(() => resolveOptions({ logFormat: 'xml' as never })).toThrow(new TypeError('logFormat must be "pretty" or "json", got "xml"'));
    expect(() => resolveOptions({}, { MIKR0_LOG_FORMAT: 'XML' })).toThrow(/^MIKR0_LOG_FORMAT: logFormat must be "pretty" or "json", got "XML"$/);
  });
});

describe('createLog', () => {
  function capture() {
    const lines: Record<string, any>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const text of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(text));
        done();
      },
    });
    return { lines, stream };
  }

  test('json: levels as numbers, fields beside the message, the request id from the text when not given', () => {
    const { lines, stream } = capture();
    const { logger } = createLog('json', undefined, stream);
    // The sandbox calls the methods unbound.
    const { warn, error } = logger;
    logger.info('hello', { requestId: 'r-1', extra: 2 });
    warn('mikr0: storage is down (request r-2)');
    error('mikr0 sandbox: a sandbox process ended');
    expect(lines).toEqual([
      { level: 30, time: expect.any(String), requestId: 'r-1', extra: 2, msg: 'hello' },
      { level: 40, time: expect.any(String), requestId: 'r-2', msg: 'mikr0: storage is down (request r-2)' },
      { level: 50, time: expect.any(String), msg: 'mikr0 sandbox: a sandbox process ended' },
    ]);
  });

  test('pretty: the given logger gets the fields; the console only the text', () => {
    const seen: unknown[][] = [];
    const given = { info: (...args: unknown[]) => void seen.push(args), warn: () => {}, error: () => {} };
    createLog('pretty', given).logger.info('line (request r-3)', { requestId: 'r-3' });
    expect(seen).toEqual([['line (request r-3)', { requestId: 'r-3' }]]);
    const original = console.info;
    const printed: unknown[][] = [];
    console.info = (...args: unknown[]) => void printed.push(args);
    try {
      createLog('pretty').logger.info('line (request r-4)', { requestId: 'r-4' });
    } finally {
      console.info = original;
    }
    expect(printed).toEqual([['line (request r-4)']]);
  });
});
