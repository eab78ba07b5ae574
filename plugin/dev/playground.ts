/**
 * The dev page: the playground, showing the component under development, with Vite's client
 * injected so HMR and the error overlay work. Always at /__mikr0/, and at `/` too when the
 * project has no index.html of its own (an app keeps `/` for its page).
 * Its assets are served under /__mikr0/playground/ so they cannot collide with the project's.
 */
import fs from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';
import type { Connect, ViteDevServer } from 'vite';
import { builtPath } from '../../runtime/node/package-root.js';

const playgroundDir = builtPath('playground');

const ASSETS = '/__mikr0/playground';

/** The playground's own path, whatever the project serves at `/`. */
export const PLAYGROUND_PATH = '/__mikr0/';

/** The paths that show the playground: `/__mikr0/`, and `/` unless the project has a page there. */
export function isPlaygroundUrl(url: string, atRoot: boolean): boolean {
  const pathname = url.split('?')[0];
  return pathname === PLAYGROUND_PATH || pathname === '/__mikr0' || (atRoot && pathname === '/');
}

export function playgroundMiddlewares(
  server: ViteDevServer,
  component: { name: string; version: string },
  atRoot: boolean,
): Connect.NextHandleFunction[] {
  const index = path.join(playgroundDir, 'index.html');
  if (!fs.existsSync(index)) {
    server.config.logger.warn(`mikr0: the playground is not built (${index} is missing); ${PLAYGROUND_PATH} shows nothing`, { timestamp: true });
    return [];
  }
  const assets = sirv(playgroundDir, { dev: true });
  // The page is served at / and at /__mikr0/; the registry it talks to is at the server's base
  // either way, which the playground would otherwise take from its own folder.
  const meta = [
    `<meta name="mikr0-dev-component" content='${JSON.stringify(component).replace(/'/g, '&#39;')}'>`,
    `<meta name="mikr0-registry" content="${server.config.base.replace(/"/g, '&quot;')}">`,
  ].join('\n');
  return [
    function mikr0PlaygroundAssetsMiddleware(req, res, next) {
      if (!req.url?.startsWith(`${ASSETS}/`)) return next();
      req.url = req.url.slice(ASSETS.length);
      assets(req, res, next);
    },
    async function mikr0PlaygroundMiddleware(req, res, next) {
      const url = req.url ?? '/';
      if (!isPlaygroundUrl(url, atRoot) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
      try {
        // Through transformIndexHtml like any page of the project, so every plugin injects what
        // it must (Vite's client, React's refresh preamble, ...). The playground's own built
        // script and stylesheet go in afterwards: they are static files, not project modules.
        const page = fs.readFileSync(index, 'utf8').replace(/(src|href)="\.\/assets\//g, `$1="${ASSETS}/assets/`);
        const own: string[] = [];
        const shell = page
          .replace(/^\s*<(script|link)\b[^>]*\b(?:src|href)="\/__mikr0\/playground\/assets\/[^>]*>(?:<\/script>)?\s*$/gm, (tag) => (own.push(tag.trim()), ''))
          .replace('<head>', `<head>\n${meta}`);
        const transformed = await server.transformIndexHtml(url, shell, req.originalUrl);
        const html = transformed.replace('</head>', `${own.join('\n')}\n</head>`);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(html);
      } catch (error) {
        next(error);
      }
    },
  ];
}
