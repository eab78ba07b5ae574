/**
 * HMR of the component in `vite dev`. The client entry accepts its own updates and hands the
 * new module to the browser runtime (remount with the same data). A server-code update
 * clears the error overlay and makes the runtime render again (new loader data and server
 * HTML, hydrated), after any client update Vite is applying at the time.
 *
 * The server-update listener lives in a module of its own that never changes: a module's
 * listeners go when it is updated, and an update that fails (a syntax error) disposes the old
 * module before a new one exists — a server update sent while the entry is being fixed would
 * reach no listener and the page would keep the old data.
 */

export const DEV_EVENTS_ID = 'virtual:mikr0-dev-events';
export const RESOLVED_DEV_EVENTS_ID = `\0${DEV_EVENTS_ID}`;

/** Appended to the component's client entry in dev. */
export const HMR_SNIPPET = `
import ${JSON.stringify(DEV_EVENTS_ID)};
if (import.meta.hot) {
  import.meta.hot.accept((next) => {
    if (next) dispatchEvent(new CustomEvent('mikr0:hot', { detail: { url: import.meta.url, module: next.default ?? next } }));
  });
}
`;

/** The module holding the server-update listener, for the entry served at `entryUrl` (a root-relative path). */
export function devEventsModule(entryUrl: string): string {
  return `
if (import.meta.hot) {
  const url = new URL(${JSON.stringify(entryUrl)}, location.href).href;
  // A server update waits for a client update Vite is applying (a file both halves import
  // changed): the new server HTML is hydrated by the new client code, never the old.
  let updating = 0;
  let waiting = false;
  let timer;
  const render = () => {
    waiting = false;
    clearTimeout(timer);
    dispatchEvent(new CustomEvent('mikr0:server-update', { detail: { url } }));
  };
  import.meta.hot.on('vite:beforeUpdate', () => updating++);
  import.meta.hot.on('vite:afterUpdate', () => {
    updating = Math.max(0, updating - 1);
    if (!updating && waiting) render();
  });
  import.meta.hot.on('mikr0:server-update', () => {
    document.querySelectorAll('vite-error-overlay').forEach((overlay) => overlay.close());
    if (!updating) return render();
    waiting = true;
    // An update that fails never reports its end: render anyway after a while.
    clearTimeout(timer);
    timer = setTimeout(() => ((updating = 0), render()), 3000);
  });
}
`;
}
