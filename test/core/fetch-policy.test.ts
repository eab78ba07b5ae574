import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import {
  allowsAddress,
  allowsName,
  createPolicyFetch,
  isPublicAddress,
  parseAllowEntry,
  resolveFetchPolicy,
  type FetchPolicyOptions,
  type FetchRequest,
} from '../../runtime/node/sandbox/fetch-policy.js';

const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    }),
  );
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real server on 127.0.0.1; `seen` records every request that reached it. */
async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const hello = () => serve((_req, res) => res.end('hello'));

function fetcher(options?: FetchPolicyOptions | false) {
  return createPolicyFetch(resolveFetchPolicy(options));
}

async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error: any) {
    return error;
  }
  throw new Error('expected the fetch to fail');
}

describe('isPublicAddress', () => {
  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '2002:808:808::1', '64:ff9b::808:808'])(
    '%s is public',
    (ip) => expect(isPublicAddress(ip)).toBe(true),
  );

  test.each([
    ...['0.0.0.0', '0.1.2.3', '10.1.2.3', '100.64.0.1', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1', '172.31.255.255'],
    ...['192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9'],
    ...['224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255'],
    ...['::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::7f00:1', '2002:7f00:1::1'],
    ...['::127.0.0.1', '100::1', '2001::1', '2001:db8::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', 'fec0::1', '4000::1'],
    ...['localhost', 'example.com', '', '[::1]', '1.2.3'],
  ])('%s is not public', (ip) => expect(isPublicAddress(ip)).toBe(false));
});

describe('allow entries', () => {
  const allow = (...entries: string[]) => entries.map(parseAllowEntry);

  test('wildcards match subdomains only', () => {
    const list = allow('*.example.com');
    expect(allowsName(list, 'a.example.com', 443)).toBe(true);
    expect(allowsName(list, 'a.b.example.com', 80)).toBe(true);
    expect(allowsName(list, 'a.example.com.', 80)).toBe(true);
    expect(allowsName(list, 'example.com', 443)).toBe(false);
    expect(allowsName(list, 'badexample.com', 443)).toBe(false);
    expect(allowsName(list, 'example.com.evil.net', 443)).toBe(false);
  });

  test('hostnames match exactly, case-insensitively, with their port if given', () => {
    const list = allow('API.Example.com', 'internal.corp:8443', 'bücher.de');
    expect(allowsName(list, 'api.example.com', 443)).toBe(true);
    expect(allowsName(list, 'x.api.example.com', 443)).toBe(false);
    expect(allowsName(list, 'internal.corp', 8443)).toBe(true);
    expect(allowsName(list, 'internal.corp', 443)).toBe(false);
    expect(allowsName(list, new URL('https://bücher.de/').hostname, 443)).toBe(true);
  });

  test('IPs and CIDRs match addresses, mapped IPv6 included', () => {
    const list = allow('10.0.0.0/8', '192.168.1.10:8080', 'fd00::/8', '[::1]:9000', '::ffff:172.16.0.0/108');
    expect(allowsAddress(list, '10.200.3.4', 80)).toBe(true);
    expect(allowsAddress(list, '::ffff:10.200.3.4', 80)).toBe(true);
    expect(allowsAddress(list, '11.0.0.1', 80)).toBe(false);
    expect(allowsAddress(list, '192.168.1.10', 8080)).toBe(true);
    expect(allowsAddress(list, '192.168.1.10', 80)).toBe(false);
    expect(allowsAddress(list, 'fd12::1', 443)).toBe(true);
    expect(allowsAddress(list, 'fe80::1', 443)).toBe(false);
    expect(allowsAddress(list, '::1', 9000)).toBe(true);
    expect(allowsAddress(list, '::1', 9001)).toBe(false);
    expect(allowsAddress(list, '172.20.1.1', 80)).toBe(true);
    expect(allowsAddress(list, '172.32.0.1', 80)).toBe(false);
    expect(allowsName(list, '10.1.2.3', 80)).toBe(false);
  });

  test.each([
    ['http://example.com', /without a scheme or path/],
    ['example.com/api', /not an IP address/],
    ['example.com:99999', /"99999" is not a port/],
    ['example.com:', /"" is not a port/],
    ['10.0.0.0/33', /prefix length must be a number from 0 to 32/],
    ['fd00::/129', /from 0 to 128/],
    ['fd00::/8:443', /prefix length/],
    ['example.com/8', /not an IP address/],
    ['[example.com]:80', /not an IPv6 address/],
    ['[::1', /brackets/],
    ['*.', /not a hostname/],
    ['*', /not a hostname/],
    ['a.*.com', /not a hostname/],
    ['exa mple.com', /not a hostname/],
    ['0x7f.1', /ends in a number/],
    ['2130706433', /ends in a number/],
    ['', /non-empty string/],
  ])('%j is rejected', (entry, why) => {
    expect(() => resolveFetchPolicy({ allow: ['ok.example.com', entry] })).toThrow(TypeError);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(why);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(`fetch.allow entry ${JSON.stringify(entry)} is invalid`);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(/Accepted forms: a hostname .*"\*\.example\.com".*CIDR/);
  });

  test('other bad options are TypeErrors too', () => {
    expect(() => resolveFetchPolicy({ allow: [42 as any] })).toThrow(/entry 42 is invalid/);
    expect(() => resolveFetchPolicy({ allow: 'example.com' as any })).toThrow(TypeError);
    expect(() => resolveFetchPolicy({ timeout: -1 })).toThrow(/fetch.timeout/);
    expect(() => resolveFetchPolicy({ maxBytes: 1.5 })).toThrow(/fetch.maxBytes/);
    expect(() => resolveFetchPolicy({ maxRedirects: '2' as any })).toThrow(/fetch.maxRedirects/);
  });

  test('a resolved policy is plain data that survives JSON', async () => {
    const { port } = await hello();
    const policy = resolveFetchPolicy({ allow: ['127.0.0.0/8', '*.example.com:443', 'localhost'], timeout: 1000 });
    const copy = JSON.parse(JSON.stringify(policy));
    expect(copy).toEqual(policy);
    expect((await createPolicyFetch(copy)({ url: `http://127.0.0.1:${port}/` })).body).toBe('hello');
  });
});

describe('default policy: public hosts only', () => {
  test('refuses loopback, private, link-local and unspecified targets before connecting', async () => {
    const { port, seen } = await hello();
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${port}/health`, /127\.0\.0\.1 is a loopback address/],
      [`http://localhost:${port}/`, /localhost resolves to 127\.0\.0\.1, which is a loopback address/],
      [`http://[::1]:${port}/`, /::1 is a loopback address/],
      [`http://[::ffff:127.0.0.1]:${port}/`, /::ffff:7f00:1 is a loopback address \(IPv4-mapped address of 127\.0\.0\.1\)/],
      [`http://0.0.0.0:${port}/`, /0\.0\.0\.0 is an unspecified/],
      [`http://[::]:${port}/`, /:: is the unspecified address/],
      [`http://2130706433:${port}/`, /127\.0\.0\.1 is a loopback/],
      [`http://0x7f.1:${port}/`, /127\.0\.0\.1 is a loopback/],
      [`http://0177.0.0.01:${port}/`, /127\.0\.0\.1 is a loopback/],
      [`http://127.1:${port}/`, /127\.0\.0\.1 is a loopback/],
      ['http://10.1.2.3/', /10\.1\.2\.3 is a private address/],
      ['https://192.168.0.1/', /192\.168\.0\.1 is a private address/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local address/],
      ['http://100.64.1.1/', /carrier-grade NAT/],
      ['http://[fd00::1]/', /unique local/],
    ];
    const fetch = fetcher();
    for (const [url, why] of cases) {
      const error = await failure(fetch({ url }));
      expect(error.code, url).toBe('FETCH_REFUSED');
      expect(error.message, url).toMatch(why);
      expect(error.message, url).toMatch(/fetch.allow option lists the host$/);
    }
    expect(seen).toEqual([]);
  });

  test('the refusal names the URL, the reason and the way out', async () => {
    const error = await failure(fetcher()({ url: 'http://127.0.0.1:4910/health' }));
    expect(error.message).toBe(
      'fetch to http://127.0.0.1:4910/health refused: 127.0.0.1 is a loopback address; the registry only lets server code reach public hosts unless its fetch.allow option lists the host',
    );
  });

  test.each(['file:///etc/passwd', 'data:text/plain,hi', 'ftp://ftp.example.com/x', 'javascript:alert(1)', 'ws://example.com/'])(
    '%s is refused: only http(s)',
    async (url) => {
      const error = await failure(fetcher({ allow: ['*.example.com', 'example.com'] })({ url }));
      expect(error.code).toBe('FETCH_REFUSED');
      expect(error.message).toMatch(/only http: and https: URLs can be fetched/);
    },
  );

  test('malformed requests fail without a network attempt', async () => {
    const fetch = fetcher();
    expect((await failure(fetch({ url: '/relative' }))).code).toBe('FETCH_INVALID');
    expect((await failure(fetch({ url: 'http://8.8.8.8/', body: 'x' }))).message).toMatch(/GET request cannot have a body/);
    expect((await failure(fetch({ url: 'http://8.8.8.8/', method: 'CONNECT' }))).code).toBe('FETCH_INVALID');
    expect((await failure(fetch({ url: 'http://u:p@8.8.8.8/' }))).message).toMatch(/credentials/);
  });

  test('resolveFetchPolicy(false) disables fetch', async () => {
    const { seen, port } = await hello();
    const policy = resolveFetchPolicy(false);
    expect(policy.enabled).toBe(false);
    const error = await failure(createPolicyFetch(policy)({ url: `http://127.0.0.1:${port}/` }));
    expect(error.message).toMatch(/fetch is disabled on this registry/);
    expect(error.code).toBe('FETCH_REFUSED');
    expect(seen).toEqual([]);
  });
});

describe('allow lists', () => {
  test("allow: ['127.0.0.1'] reaches the local server", async () => {
    const { port } = await serve((_req, res) => {
      res.setHeader('x-multi', ['a', 'b']);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.statusMessage = 'Fine';
      res.end('héllo wörld ✓');
    });
    const response = await fetcher({ allow: ['127.0.0.1'] })({ url: `http://127.0.0.1:${port}/x?y=1#frag` });
    expect(response).toMatchObject({ status: 200, statusText: 'Fine', url: `http://127.0.0.1:${port}/x?y=1`, body: 'héllo wörld ✓' });
    expect(response.headers).toContainEqual(['x-multi', 'a, b']);
    expect(response.headers.filter(([name]) => name === 'set-cookie')).toEqual([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  test("allow: ['localhost:PORT'] reaches that port only, by that name only", async () => {
    const { port } = await hello();
    const other = await hello();
    const fetch = fetcher({ allow: [`localhost:${port}`] });
    expect((await fetch({ url: `http://localhost:${port}/` })).body).toBe('hello');
    const wrongPort = await failure(fetch({ url: `http://localhost:${other.port}/` }));
    expect(wrongPort.code).toBe('FETCH_REFUSED');
    expect(wrongPort.message).toMatch(`localhost:${other.port} is not in this registry's fetch.allow option`);
    expect((await failure(fetch({ url: `http://127.0.0.1:${port}/` }))).code).toBe('FETCH_REFUSED');
    expect(other.seen).toEqual([]);
  });

  test('CIDR entries admit the addresses in them, literal or resolved', async () => {
    const { port, seen } = await hello();
    const fetch = fetcher({ allow: ['127.0.0.0/8'] });
    expect((await fetch({ url: `http://127.0.0.1:${port}/` })).body).toBe('hello');
    expect((await fetch({ url: `http://localhost:${port}/` })).body).toBe('hello');
    expect(seen).toHaveLength(2);

    const outside = fetcher({ allow: ['10.0.0.0/8', `127.0.0.0/8:${port + 1}`, '*.example.com'] });
    const error = await failure(outside({ url: `http://localhost:${port}/` }));
    expect(error.message).toMatch(`localhost:${port} (127.0.0.1) is not in this registry's fetch.allow option`);
    expect((await failure(outside({ url: `http://127.0.0.1:${port}/` }))).code).toBe('FETCH_REFUSED');
    // With no IP entries a hostname is judged by name alone, before any DNS.
    expect((await failure(fetcher({ allow: ['*.example.com'] })({ url: 'http://example.com/' }))).code).toBe('FETCH_REFUSED');
    expect(seen).toHaveLength(2);
    // Whether this sandbox can connect to a mapped address varies; the policy must not be what stops it.
    expect((await fetch({ url: `http://[::ffff:127.0.0.1]:${port}/` }).catch((e) => e)).code).not.toBe('FETCH_REFUSED');
  });
});

describe('redirects', () => {
  test('every hop is re-checked: an allowed server cannot bounce to another', async () => {
    const target = await hello();
    const { port } = await serve((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/secret` }).end());
    const error = await failure(fetcher({ allow: [`127.0.0.1:${port}`] })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_REFUSED');
    expect(error.message).toMatch(`fetch to http://127.0.0.1:${target.port}/secret refused`);
    expect(target.seen).toEqual([]);
  });

  test('a redirect to a non-http scheme is refused', async () => {
    const { port } = await serve((_req, res) => res.writeHead(301, { location: 'file:///etc/passwd' }).end());
    expect((await failure(fetcher({ allow: ['127.0.0.1'] })({ url: `http://127.0.0.1:${port}/` }))).message).toMatch(/only http: and https:/);
  });

  test('303 becomes a body-less GET; 307 keeps method and body; credentials stay on their origin', async () => {
    const end = await serve((req, res, body) => res.end(`${req.method} ${body} ${req.headers.authorization ?? '-'}`));
    const { port, seen } = await serve((req, res) => {
      const to = req.url === '/303' ? `/landing` : req.url === '/307' ? `http://127.0.0.1:${end.port}/kept` : '/done';
      if (req.url === '/landing') return res.end(`${req.method} ${req.headers['content-type'] ?? '-'} ${req.headers.authorization}`);
      res.writeHead(req.url === '/303' ? 303 : 307, { location: to }).end();
    });
    const fetch = fetcher({ allow: ['127.0.0.1'] });
    const headers = { 'content-type': 'application/json', authorization: 'Bearer t' };
    const see = await fetch({ url: `http://127.0.0.1:${port}/303`, method: 'POST', headers, body: '{"a":1}' });
    expect(see).toMatchObject({ body: 'GET - Bearer t', url: `http://127.0.0.1:${port}/landing` });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/303', '{"a":1}'],
      ['GET', '/landing', ''],
    ]);
    const kept = await fetch({ url: `http://127.0.0.1:${port}/307`, method: 'PUT', headers, body: 'data' });
    expect(kept.body).toBe('PUT data -');
  });

  test('redirect loops stop at maxRedirects', async () => {
    const { port, seen } = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    const error = await failure(fetcher({ allow: ['127.0.0.1'], maxRedirects: 2 })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.message).toMatch(/more than 2 redirects/);
    expect(seen).toHaveLength(3);
  });
});

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
    servers.splice(0).forEach((server) => server.close());
    await new Promise((done) => setTimeout(done, 50));
    const error = await failure(fetcher({ allow: ['127.0.0.1'] })({ url: `http://127.0.0.1:${port}/` }));
    expect(error.code).toBe('FETCH_FAILED');
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
