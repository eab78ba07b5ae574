/** Host pages for the browser tests, on their own loopback origin (so every registry call is cross-origin). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startPageServer() {
  const pages = new Map<string, string>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const html = pages.get(req.url!.split('?')[0]);
    res.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost" is another origin than the registry's 127.0.0.1.
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    /** Serves `body` inside a minimal HTML page; returns its URL. */
    page(body: string, head = ''): string {
      const path = `/page-${++next}`;
      pages.set(path, `<!doctype html><html><head><meta charset="utf-8">${head}</head><body>${body}</body></html>`);
      return origin + path;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
