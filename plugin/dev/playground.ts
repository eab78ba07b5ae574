/**
 * The dev page at `/` (when the project has no index.html of its own): the playground, showing
 * the component under development, with Vite's client injected so HMR and the error overlay work.
 * Its assets are served under /__mikr0/playground/ so they cannot collide with the project's.
 */
import fs from 'node:fs';
import path from 'node:path';
import sirv from 'sirv';
import type { Connect, ViteDevServer } from 'vite';
import { builtPath } from '../../runtime/node/package-root.js';

const playgroundDir = builtPath('playground');

const ASSETS = '/__mikr0/playground';

export function playgroundMiddlewares(server: ViteDevServer, component: { name: string; version: string }): Connect.NextHandleFunction[] {
  const index = path.join(playgroundDir, 'index.html');
  if (!fs.existsSync(index)) {
    server.config.logger.warn(`mikr0: the playground is not built (${index} is missing); / shows nothing`, { timestamp: true });
    return [];
  }
  const assets = sirv(playgroundDir, { dev: true });
  const meta = `<meta name="mikr0-dev-component" content='${JSON.stringify(component).replace(/'/g, '&#39;')}'>`;
  return [
    function mikr0PlaygroundAssetsMiddleware(req, res, next) {
      if (!req.url?.startsWith(`${ASSETS}/`)) return next();
      req.url = req.url.slice(ASSETS.length);
      assets(req, res, next);
    },
    async function mikr0PlaygroundMiddleware(req, res, next) {
      const url = req.url ?? '/';
      if ((url !== '/' && !url.startsWith('/?')) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
      try {
        // Vite's client is added by hand: transformIndexHtml would try to pre-transform the
        // playground's built script, which is a static file and not part of the project.
        const client = `<script type="module" src="${server.config.base}@vite/client"></script>`;
        const html = fs
          .readFileSync(index, 'utf8')
          .replace(/(src|href)="\.\/assets\//g, `$1="${ASSETS}/assets/`)
          .replace('<head>', `<head>\n${meta}\n${client}`);
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(html);
      } catch (error) {
        next(error);
      }
    },
  ];
}

/**
 * Appended to the component's client entry in dev: the entry accepts its own updates and hands
 * the new module to the browser runtime (remount with the same data); a server-code update
 * clears the error overlay and makes the runtime render again (new loader data).
 */
export const HMR_SNIPPET = `
if (import.meta.hot) {
  import.meta.hot.accept((next) => {
    if (next) dispatchEvent(new CustomEvent('mikr0:hot', { detail: { url: import.meta.url, module: next.default ?? next } }));
  });
  const onServerUpdate = () => {
    document.querySelectorAll('vite-error-overlay').forEach((overlay) => overlay.close());
    dispatchEvent(new CustomEvent('mikr0:server-update', { detail: { url: import.meta.url } }));
  };
  import.meta.hot.on('mikr0:server-update', onServerUpdate);
  import.meta.hot.dispose(() => import.meta.hot.off('mikr0:server-update', onServerUpdate));
}
`;
