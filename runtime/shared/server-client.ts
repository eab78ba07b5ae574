/**
 * `serverClient`: the typed proxy component code uses to call its own actions, e.g.
 * `await serverClient.add({ a: 1, b: 2 })` → POST /r/action/<name>/<version> of the registry
 * the component was loaded from.
 *
 * Typing, as in typed routers: register the component once and every call is checked.
 *
 *   declare module 'vite-plugin-mikr0/runtime' {
 *     interface Register { component: typeof component }
 *   }
 *
 * Binding: mikr0() gives the component's client code its own `serverClient`, bound to the
 * component's name and version, with the registry found from where the module was loaded
 * (`…/r/static/<name>/<version>/…` in production, the dev server's `/r` in `vite dev`).
 */
import type { ComponentActions } from './component.js';
import { createError } from './errors.js';
import { platform } from './platform.js';
import { callAction, registryRoot, type ComponentTarget } from './registry-client.js';

/** Augment with `component: typeof yourComponent` to type `serverClient`. */
export interface Register {}

type AnyActions = { [action: string]: (input?: any) => Promise<any> };
type Registered = Register extends { component: infer R } ? R : never;
export type ServerClient<C = Registered> = [C] extends [never] ? AnyActions : ComponentActions<C>;

/** A client for the actions of the component at `target`; typed by the component (`typeof component`). */
export function createServerClient<C = Registered>(target: ComponentTarget | (() => ComponentTarget)): ServerClient<C> {
  const resolve = typeof target === 'function' ? target : () => target;
  return new Proxy({} as ServerClient<C>, {
    get: (_, action) => (typeof action === 'string' && action !== 'then' ? async (input?: unknown) => callAction(resolve(), action, input) : undefined),
  });
}

/** The registry base (`…/r`) of a module loaded from `/r/static/…`, or the page's `/r` otherwise. */
export function registryBaseOf(moduleUrl: string): string {
  const url = new platform.URL(moduleUrl);
  return (registryRoot(url, '/r/static/') ?? url.origin) + '/r';
}

/**
 * Unbound: code that was not built by mikr0() (a test, a script) has no component to call.
 * The plugin replaces it with a bound client in the component's client code.
 */
export const serverClient: ServerClient = /* @__PURE__ */ createServerClient(() => {
  throw createError({
    status: 0,
    code: 'BAD_REQUEST',
    message:
      'serverClient is bound to a component by the mikr0() Vite plugin, in the component\'s client code. ' +
      'Elsewhere use createServerClient({ baseUrl, name, version }) or window.mikr0.getAction().',
  });
});
