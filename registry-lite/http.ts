/** Small request/response helpers shared by the middlewares. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, createError, toEnvelope, type Mikr0Error } from '../runtime/shared/errors.js';
import { formatBytes } from '../runtime/shared/bytes.js';
import { failedFragment, type FragmentRequest } from '../runtime/shared/fragment.js';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../runtime/shared/json-limits.js';

export type Req = IncomingMessage & {
  originalUrl?: string;
  route?: string;
  /** Set when the client asked for an HTML fragment: an error then answers the failed fragment. */
  fragment?: FragmentRequest;
  /** `x-request-id` (request-id.ts): the caller's, or made here. */
  id?: string;
  /** `name@version` once a render or action resolved it: the access log (json) names it. */
  component?: string;
};
export type Res = ServerResponse;
export type Next = (error?: unknown) => void;

export function sendJson(res: Res, status: number, body: unknown, headers?: Record<string, string>) {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends JSON that is already text (the render path builds its payload as text). */
export function sendJsonText(res: Res, status: number, text: string, headers?: Record<string, string>) {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: Res, error: Mikr0Error, req?: Req) {
  if (res.headersSent) return void res.destroy();
  if (req?.fragment) return sendHtml(res, error.status, failedFragment(req.fragment, error), error.headers);
  sendJson(res, error.status, toEnvelope(error), error.headers);
}

export function sendHtml(res: Res, status: number, html: string, headers?: Record<string, string>) {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

/** True when the client prefers HTML to JSON (`Accept: text/html`, with no higher `application/json`). */
export function wantsHtml(req: Req): boolean {
  const accept = req.headers.accept;
  if (!accept || !accept.includes('text/html')) return false;
  const quality = (type: string) => {
    for (const part of accept.split(',')) {
      const [media, ...params] = part.trim().split(';');
      if (media.trim().toLowerCase() !== type) continue;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return q ? Number(q.slice(2)) || 0 : 1;
    }
    return -1;
  };
  return quality('text/html') > quality('application/json');
}

export function methodNotAllowed(allowed: string): Mikr0Error {
  return createError({ status: 405, code: 'METHOD_NOT_ALLOWED', message: `Use ${allowed} on this route`, headers: { Allow: allowed } });
}

/** Reads a request body up to `limit` bytes; a larger one is a 413 before it is all read. */
export function readBody(req: Req, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', (error) => reject(badRequest(`The request body could not be read: ${error.message}`)));
  });
}

function tooLarge(limit: number) {
  return createError({
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: `The request body is larger than this registry accepts (${formatBytes(limit)})`,
  });
}

/** Reads and parses a JSON body; malformed or too deeply nested JSON is a 400 that says so. */
export async function readJson(req: Req, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) throw badRequest('The request body is empty: send JSON');
  const text = body.toString('utf8');
  // Before parsing: a value nested deeper than this overflows the stack of whatever recurses on it later.
  if (jsonDepthExceeds(text)) throw badRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (error: any) {
    throw badRequest(`The request body is not valid JSON: ${error.message}`);
  }
}

/** True when the client already has the version tagged `etag` (If-None-Match): answer 304. */
export function notModified(req: Req, etag: string): boolean {
  return req.headers['if-none-match']?.split(/\s*,\s*/).includes(etag) ?? false;
}

/** Splits `/a/b%2Fc/d` into decoded segments; a `..`/`.` segment or bad escape is a 400. */
export function pathSegments(pathname: string): string[] {
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw badRequest(`The URL path has a malformed escape sequence: ${raw}`);
    }
    if (segment === '.' || segment === '..' || segment.includes('\0') || segment.includes('\\')) {
      throw badRequest('The URL path may not contain "." or ".." segments, backslashes or NUL bytes');
    }
    segments.push(...(segment.includes('/') ? segment.split('/') : [segment]));
  }
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw badRequest('The URL path may not contain "." or ".." segments');
  }
  return segments;
}

/**
 * Takes a component name off the front of `segments`: `@scope/name` is two segments
 * (or one `%40scope%2Fname`), anything else one. Returns null when none is there.
 */
export function takeName(segments: string[]): string | null {
  const first = segments.shift();
  if (first === undefined) return null;
  if (!first.startsWith('@')) return first;
  const second = segments.shift();
  return second === undefined ? null : `${first}/${second}`;
}

/** The query string of a request URL, without building a URL object. */
export function splitUrl(url: string): { pathname: string; query: URLSearchParams } {
  const index = url.indexOf('?');
  return index === -1
    ? { pathname: url, query: new URLSearchParams() }
    : { pathname: url.slice(0, index), query: new URLSearchParams(url.slice(index + 1)) };
}
