/**
 * The fetch policy's tests: real servers on 127.0.0.1 that record what reached them, closed
 * after each test (`afterEach(closeServers)`), and the policy's fetch as server code gets it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPolicyFetch, resolveFetchPolicy, type FetchPolicyOptions } from '../../../runtime/node/sandbox/fetch-policy.js';

const servers: http.Server[] = [];

export async function closeServers() {
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    }),
  );
}

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real server on 127.0.0.1; `seen` records every request that reached it. */
export async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) {
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

export const hello = () => serve((_req, res) => res.end('hello'));

export function fetcher(options?: FetchPolicyOptions | false) {
  return createPolicyFetch(resolveFetchPolicy(options));
}

export async function failure(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error: any) {
    return error;
  }
  throw new Error('expected the fetch to fail');
}
