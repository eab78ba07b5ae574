/**
 * One HTTP exchange over node:http(s), not fetch: fetch's HTTP parser is WebAssembly, whose
 * background compilation holds the process open 100+ ms after the last line, on every
 * command. Here nothing outlives the answer, and an upload reports what the socket took.
 */
import http from 'node:http';
import https from 'node:https';

export interface SendOptions {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  /** Called as the body is handed to the socket: (bytes so far, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface Answer {
  status: number;
  statusText: string;
  contentType: string | undefined;
  text: string;
}

/** Rejects with the socket's error (code ECONNREFUSED, ...) or an error named TimeoutError. */
export function send(url: string, options: SendOptions): Promise<Answer> {
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  return new Promise((resolve, reject) => {
    const req = open(url, options.method, headers, (res) => {
      res.on('error', fail);
      collect(res, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${options.timeoutMs} ms`);
      error.name = 'TimeoutError';
      req.destroy(error);
    }, options.timeoutMs);
    function fail(error: Error) {
      clearTimeout(timer);
      reject(error);
    }
    req.on('error', fail);
    if (body) writeBody(req, body, options.onProgress);
    else req.end();
  });
}

/** No pooled connection: one exchange, then the socket closes and the process may end. */
function open(url: string, method: string, headers: Record<string, string>, onResponse: (res: http.IncomingMessage) => void) {
  const secure = url.startsWith('https:');
  const agent = secure ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false });
  return (secure ? https.request : http.request)(url, { method, headers, agent }, onResponse);
}

function collect(res: http.IncomingMessage, done: (answer: Answer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () =>
    done({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }),
  );
}

const CHUNK = 64 * 1024;

/** In chunks, each after the socket took the one before, so progress is what was sent. */
function writeBody(req: http.ClientRequest, body: Uint8Array, onProgress?: (done: number, total: number) => void) {
  let offset = 0;
  onProgress?.(0, body.length);
  const next = () => {
    if (offset >= body.length) return void req.end();
    const chunk = body.subarray(offset, offset + CHUNK);
    offset += chunk.length;
    const done = offset;
    req.write(chunk, (error) => {
      if (error) return;
      onProgress?.(done, body.length);
      next();
    });
  };
  next();
}

/** The socket closed under an upload: what a server does when it answers before reading it all. */
export const isHangup = (error: unknown) => ['EPIPE', 'ECONNRESET'].includes((error as NodeJS.ErrnoException)?.code ?? '');

/**
 * The answer a server gave to an upload it cut short (413, 401, ...). TCP drops that answer when
 * the server closes with our bytes unread, so ask again with the same headers and no body: a
 * server that judges by the headers answers at once; one that waits for the body gets `null`.
 */
export function earlyAnswer(url: string, options: Pick<SendOptions, 'method' | 'headers'> & { length: number; timeoutMs: number }): Promise<Answer | null> {
  return new Promise((resolve) => {
    const req = open(url, options.method, { ...options.headers, 'content-length': String(options.length) }, (res) => {
      res.on('error', () => done(null));
      collect(res, done);
    });
    const timer = setTimeout(() => done(null), options.timeoutMs);
    function done(answer: Answer | null) {
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    }
    req.on('error', () => done(null));
    req.flushHeaders();
  });
}
