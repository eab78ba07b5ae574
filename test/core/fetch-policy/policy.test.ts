/**
 * The fetch policy at work, against real servers: public hosts only by default, allow lists,
 * and every redirect hop re-checked.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { createPolicyFetch, resolveFetchPolicy } from '../../../runtime/node/sandbox/fetch-policy.js';
import { closeServers, failure, fetcher, hello, serve } from './servers.js';

afterEach(closeServers);

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
