/**
 * The fetch policy's requests and bodies, against real servers: what reaches the server, and
 * the limits on what comes back.
 */
import http from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import type { FetchRequest } from '../../../runtime/node/sandbox/fetch-policy.js';
import { closeServers, failure, fetcher, hello, serve } from './servers.js';

afterEach(closeServers);

describe('requests and bodies', () => {
  test('method, headers and body reach the server; host and framing cannot be overridden', async () => {
    const { port, seen } = await serve((_req, res) => res.end('ok'));
    const request: FetchRequest = {
      url: `http://127.0.0.1:${port}/submit`,
      method: 'post',
      headers: { 'X-Team': 'blue', 'Content-Type': 'text/plain', Host: 'evil.example', 'Content-Length': '1', ...JSON.parse('{"__proto__":"x"}') },
      body: 'héllo',
    };
    expect((await fetcher({ allow: ['127.0.0.1'] })(request)).body).toBe('ok');
    const [got] = seen;
    expect(got).toMatchObject({ method: 'POST', url: '/submit', body: 'héllo' });
    expect(got.headers).toMatchObject({ 'x-team': 'blue', 'content-type': 'text/plain', host: `127.0.0.1:${port}`, 'content-length': '6' });
    expect(got.headers['accept-encoding']).toBe('identity');
    expect(({} as any).x).toBeUndefined();
  });

  test('compressed bodies are decoded even when not asked for', async () => {
    const text = 'ünïcode '.repeat(1000);
    const encoders: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
    const { port } = await serve((req, res) => {
      const coding = req.url!.slice(1);
      res.writeHead(200, { 'content-encoding': coding }).end(encoders[coding](Buffer.from(text)));
    });
    const fetch = fetcher({ allow: ['127.0.0.1'] });
    for (const coding of Object.keys(encoders)) {
      expect((await fetch({ url: `http://127.0.0.1:${port}/${coding}` })).body, coding).toBe(text);
    }
    const custom = await fetch({ url: `http://127.0.0.1:${port}/gzip`, headers: { 'accept-encoding': 'gzip' } });
    expect(custom.body).toBe(text);
  });

  test('decompressed bytes count against maxBytes', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(10_000);
    const { port } = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb));
    const error = await failure(fetcher({ allow: ['127.0.0.1'], maxBytes: 1024 * 1024 })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_TOO_LARGE');
    expect(error.message).toMatch(/response larger than 1048576 bytes/);
  });

  test('a 20 MB stream is cut at maxBytes without reading it all', async () => {
    const total = 20 * 1024 * 1024;
    let written = 0;
    let closed = false;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const { port } = await serve((_req, res) => {
      res.on('close', () => (closed = true));
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        if (written >= total) res.end();
      };
      pump();
    });
    const error = await failure(fetcher({ allow: ['127.0.0.1'], maxBytes: 1024 * 1024 })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_TOO_LARGE');
    await expect.poll(() => closed).toBe(true);
    // maxBytes plus what the kernel buffers on loopback (about 4 MB here), far from all of it.
    expect(written).toBeLessThan(total / 2);
  });

  test('a declared Content-Length over maxBytes fails at once', async () => {
    const { port } = await serve((_req, res) => res.writeHead(200, { 'content-length': String(20 * 1024 * 1024) }).write('x'));
    const error = await failure(fetcher({ allow: ['127.0.0.1'], maxBytes: 1000 })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_TOO_LARGE');
  });

  test.each([
    ['never answers', (_res: http.ServerResponse) => {}],
    ['stalls mid-body', (res: http.ServerResponse) => res.writeHead(200).write('partial')],
  ])('the timeout fires when the server %s, and the socket is destroyed', async (_label, behave) => {
    let closed = false;
    const { server, port } = await serve((_req, res) => behave(res));
    server.on('connection', (socket) => socket.on('close', () => (closed = true)));
    const started = Date.now();
    const error = await failure(fetcher({ allow: ['127.0.0.1'], timeout: 200 })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_TIMEOUT');
    expect(error.message).toBe(`fetch to http://127.0.0.1:${port}/ failed: took longer than 200 ms`);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect.poll(() => closed).toBe(true);
  });

  test('connection errors are FETCH_FAILED', async () => {
    const { port } = await hello();
    await closeServers();
    await new Promise((done) => setTimeout(done, 50));
    const error = await failure(fetcher({ allow: ['127.0.0.1'] })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
