import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { addressProblem, allowsAddress, allowsName, parseAllowEntry, parseIp, type AllowEntry } from './addresses.js';

export { isPublicAddress, allowsAddress, allowsName, parseAllowEntry, type AllowEntry } from './addresses.js';

export interface FetchPolicyOptions {
  /** Hosts server code may fetch. Entries: a hostname ("api.example.com"), a wildcard
   *  ("*.example.com" = any subdomain), an IP ("10.1.2.3", "::1"), a CIDR ("10.0.0.0/8", "fd00::/8"),
   *  each optionally with ":port". When set, ONLY matching hosts are reachable, and a listed
   *  host may be private (the operator said so). Default: any PUBLIC host, never loopback,
   *  private, link-local, CGNAT, multicast, unspecified or otherwise reserved addresses. */
  allow?: string[];
  /** ms for the whole request incl. body (default 5000). */
  timeout?: number;
  /** Largest response body in bytes (default 5 MB). */
  maxBytes?: number;
  /** Redirects followed (default 5), each re-checked against the policy. */
  maxRedirects?: number;
}

export interface FetchRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface FetchResponse {
  status: number;
  statusText: string;
  url: string;
  headers: [string, string][];
  body: string;
}

/** Plain data (it is sent to the sandbox's child process); `allow: null` means "any public host". */
export interface ResolvedFetchPolicy {
  enabled: boolean;
  allow: AllowEntry[] | null;
  timeout: number;
  maxBytes: number;
  maxRedirects: number;
}

const DEFAULTS = { timeout: 5000, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 };

function limit(options: FetchPolicyOptions, key: keyof typeof DEFAULTS, min: number): number {
  const value = options[key] ?? DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`fetch.${key} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function resolveFetchPolicy(options: FetchPolicyOptions | false | undefined): ResolvedFetchPolicy {
  if (options === false) return { enabled: false, allow: [], ...DEFAULTS };
  if (options == null) return { enabled: true, allow: null, ...DEFAULTS };
  if (typeof options !== 'object') throw new TypeError(`fetch must be an options object or false, got ${JSON.stringify(options)}`);
  const { allow } = options;
  if (allow !== undefined && !Array.isArray(allow)) throw new TypeError('fetch.allow must be an array of host entries');
  return {
    enabled: true,
    allow: allow ? allow.map(parseAllowEntry) : null,
    timeout: limit(options, 'timeout', 1),
    maxBytes: limit(options, 'maxBytes', 0),
    maxRedirects: limit(options, 'maxRedirects', 0),
  };
}

type FetchError = Error & { code: string };

function fetchError(code: string, message: string, cause?: unknown): FetchError {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

const PUBLIC_ONLY = 'the registry only lets server code reach public hosts unless its fetch.allow option lists the host';
const NOT_LISTED = "is not in this registry's fetch.allow option; ask the registry operator to add it";
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Framing and routing are the registry's business: a caller-set length or host could smuggle requests.
const DROPPED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Lenient flushing, like browsers: a truncated compressed body yields what was decoded.
const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  'x-gzip': () => DECODERS.gzip(),
  deflate: () => zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  br: () =>
    zlib.createBrotliDecompress({
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
      finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
    }),
};

function responseHeaders(raw: string[]): [string, string][] {
  const headers: [string, string][] = [];
  const seen = new Map<string, [string, string]>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const existing = name === 'set-cookie' ? undefined : seen.get(name);
    if (existing) existing[1] += `, ${raw[i + 1]}`;
    else headers.push(seen.set(name, [name, raw[i + 1]]).get(name)!);
  }
  return headers;
}

function withoutHash(url: URL): string {
  const copy = new URL(url);
  copy.hash = '';
  return copy.href;
}

interface Hop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  redirects: number;
}

export function createPolicyFetch(policy: ResolvedFetchPolicy): (request: FetchRequest) => Promise<FetchResponse> {
  const { allow, timeout, maxBytes, maxRedirects } = policy;

  /** Why `address` may not be reached on `port`, or null. */
  const addressRefusal = (address: string, port: number): string | null => {
    if (allow) return allowsAddress(allow, address, port) ? null : NOT_LISTED;
    const problem = addressProblem(address);
    return problem && `is ${problem}; ${PUBLIC_ONLY}`;
  };

  return async function policyFetch(request: FetchRequest): Promise<FetchResponse> {
    const given = String(request?.url);
    if (!policy.enabled) throw fetchError('FETCH_REFUSED', `fetch to ${given} refused: fetch is disabled on this registry`);
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw fetchError('FETCH_INVALID', `fetch to ${given} failed: not an absolute URL`);
    }
    const method = request.method === undefined ? 'GET' : String(request.method).toUpperCase();
    if (!TOKEN.test(method) || ['CONNECT', 'TRACE', 'TRACK'].includes(method)) {
      throw fetchError('FETCH_INVALID', `fetch to ${given} failed: ${JSON.stringify(request.method)} is not an allowed method`);
    }
    const body = request.body === undefined || request.body === null ? undefined : String(request.body);
    if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
      throw fetchError('FETCH_INVALID', `fetch to ${given} failed: a ${method} request cannot have a body`);
    }
    // Null prototype: header names come from untrusted code ("__proto__" must stay a plain key).
    const headers: Record<string, string> = Object.create(null);
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if (!DROPPED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = String(value);
    }
    headers['accept-encoding'] ??= 'identity';

    return new Promise<FetchResponse>((resolve, reject) => {
      let settled = false;
      let current: http.ClientRequest | undefined;
      let href = withoutHash(url);
      // Everything that holds a socket or buffers data, torn down when the fetch ends early.
      const open: { destroy(): unknown }[] = [];
      const finish = (error: FetchError | null, response?: FetchResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          for (const stream of open) stream.destroy();
          reject(error);
        } else resolve(response!);
      };
      const timer = setTimeout(() => finish(fetchError('FETCH_TIMEOUT', `fetch to ${href} failed: took longer than ${timeout} ms`)), timeout);

      const hop = ({ url, method, headers, body, redirects }: Hop): void => {
        href = withoutHash(url);
        const refuse = (why: string) => finish(fetchError('FETCH_REFUSED', `fetch to ${href} refused: ${why}`));
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          return refuse(`only http: and https: URLs can be fetched, not ${url.protocol}`);
        }
        if (url.username || url.password) {
          return finish(fetchError('FETCH_INVALID', `fetch to ${href} failed: URLs cannot carry credentials; send an Authorization header`));
        }
        const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
        const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
        const named = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        let lookup: LookupFunction | undefined;
        if (parseIp(host)) {
          // Sockets skip `lookup` for IP literals, so they are judged here.
          const why = addressRefusal(host, port);
          if (why) return refuse(`${allow ? named : host} ${why}`);
        } else if (!allow || !allowsName(allow, host, port)) {
          if (allow && !allow.some((entry) => entry.type === 'cidr')) return refuse(`${named} ${NOT_LISTED}`);
          // Judge the addresses the socket will connect to, not an earlier answer: defeats DNS rebinding.
          lookup = (hostname, options, callback) => {
            dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (error, addresses) => {
              if (error) return callback(error, '');
              if (!addresses.length) return callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }), '');
              for (const { address } of addresses) {
                const why = addressRefusal(address, port);
                if (why) {
                  const message = allow ? `${named} (${address}) ${why}` : `${host} resolves to ${address}, which ${why}`;
                  return callback(fetchError('FETCH_REFUSED', `fetch to ${href} refused: ${message}`), '');
                }
              }
              if (options.all) callback(null, addresses);
              else callback(null, addresses[0].address, addresses[0].family);
            });
          };
        }

        const payload = body === undefined ? undefined : Buffer.from(body);
        let req: http.ClientRequest;
        try {
          req = (url.protocol === 'https:' ? https : http).request({
            hostname: host,
            port,
            path: url.pathname + url.search,
            method,
            headers: payload ? { ...headers, 'content-length': String(payload.length) } : { ...headers },
            // A fresh agent per request: a pooled socket could have been checked under another policy.
            agent: false,
            lookup,
          });
        } catch (error: any) {
          return finish(fetchError('FETCH_INVALID', `fetch to ${href} failed: ${error?.message ?? error}`, error));
        }
        open.push((current = req));
        // A redirected-from request may still report its socket closing; only the current hop counts.
        req.on('error', (error: any) =>
          req === current &&
          finish(error?.code === 'FETCH_REFUSED' ? error : fetchError('FETCH_FAILED', `fetch to ${href} failed: ${error?.message ?? error}`, error)),
        );
        req.on('response', (res) => {
          open.push(res);
          res.on('error', (error) => req === current && finish(fetchError('FETCH_FAILED', `fetch to ${href} failed: ${error.message}`, error)));
          const status = res.statusCode ?? 0;
          if (REDIRECTS.has(status) && res.headers.location !== undefined) {
            res.destroy();
            let next: URL;
            try {
              next = new URL(res.headers.location, url);
            } catch {
              return finish(fetchError('FETCH_FAILED', `fetch to ${href} failed: it redirects to an invalid URL (${res.headers.location})`));
            }
            if (redirects >= maxRedirects) {
              return finish(fetchError('FETCH_FAILED', `fetch to ${href} failed: more than ${maxRedirects} redirects`));
            }
            const nextHeaders = { ...headers };
            let nextMethod = method;
            let nextBody = body;
            if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
              nextMethod = 'GET';
              nextBody = undefined;
              for (const name of BODY_HEADERS) delete nextHeaders[name];
            }
            if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) delete nextHeaders[name];
            return hop({ url: next, method: nextMethod, headers: nextHeaders, body: nextBody, redirects: redirects + 1 });
          }
          readBody(res, status, method);
        });
        req.end(payload);
      };

      const readBody = (res: http.IncomingMessage, status: number, method: string) => {
        const tooLarge = () => fetchError('FETCH_TOO_LARGE', `fetch to ${href} failed: response larger than ${maxBytes} bytes`);
        const codings = (res.headers['content-encoding'] ?? '')
          .toLowerCase()
          .split(',')
          .map((coding) => coding.trim())
          .filter((coding) => coding && coding !== 'identity');
        // Unknown codings are passed through undecoded, as fetch does.
        const decode = codings.length > 0 && codings.every((coding) => coding in DECODERS);
        let stream: Readable = res;
        if (decode) {
          for (const coding of codings.reverse()) {
            const decoder = DECODERS[coding]();
            open.push(decoder);
            decoder.on('error', (error) => finish(fetchError('FETCH_FAILED', `fetch to ${href} failed: bad ${coding} body (${error.message})`, error)));
            stream = stream.pipe(decoder);
          }
        } else if (method !== 'HEAD' && Number(res.headers['content-length']) > maxBytes) {
          return finish(tooLarge());
        }
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > maxBytes) return finish(tooLarge());
          chunks.push(chunk);
        });
        stream.on('end', () =>
          finish(null, {
            status,
            statusText: res.statusMessage ?? '',
            url: href,
            headers: responseHeaders(res.rawHeaders),
            body: new TextDecoder().decode(Buffer.concat(chunks)),
          }),
        );
      };

      hop({ url, method, headers, body, redirects: 0 });
    });
  };
}
