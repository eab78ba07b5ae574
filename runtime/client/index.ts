/**
 * `vite-plugin-mikr0/client` and `/r/client.js`: the browser runtime. Defines
 * `<mikro-component>` and `window.mikr0` ({ events, getAction }) once per page, however many
 * registries' copies of this script the page loads.
 */
import { callAction, registryRoot } from '../shared/registry-client.js';
import { defineMikroComponent, hotModules, live, urlPath as path } from './element.js';
import { createEventBus, type EventBus } from './events.js';
import type { ShareFunction } from './share.js';

export type { EventBus, Listener } from './events.js';
export type { ShareFunction, SharedModule } from './share.js';
export type { MikroComponentElement } from './element.js';
// Also declares HTMLElementTagNameMap['mikro-component'] (the JSX typings in jsx/ need it too).
export type { MikroComponentAttributes } from './jsx/attributes.js';

export interface ActionConfig {
  /** The registry's root URL (default: the registry this script came from). */
  registry?: string;
  name: string;
  version: string;
  action: string;
  input?: unknown;
  /** Milliseconds the call may take before it fails with TIMEOUT (default 10 000). */
  timeout?: number;
}

export interface Mikr0Global {
  loaded: boolean;
  /** The registry this script was loaded from (`<mikro-component>`'s default). */
  registry: string;
  events: EventBus;
  getAction(config: ActionConfig): Promise<any>;
  /**
   * The page's share scope (`globalThis.mikr0Share`, runtime/client/share.ts), where components
   * get their framework packages. The first shared component's template.js installs it: each
   * carries the scope anyway (one imported by hand works without this runtime), so the runtime
   * does not carry a second copy within its 5 kB budget. Undefined until then.
   */
  readonly share: ShareFunction | undefined;
}

declare global {
  interface Window {
    mikr0: Mikr0Global;
  }
}

/** `https://reg.example.com/r/client.js` → `https://reg.example.com`; otherwise the page's origin. */
function scriptRegistry(): string {
  return registryRoot(new URL(import.meta.url), '/r/client.js') ?? location.origin;
}

function install(): Mikr0Global {
  if (window.mikr0?.loaded) return window.mikr0;
  const registry = scriptRegistry();
  const mikr0: Mikr0Global = {
    loaded: true,
    registry,
    events: createEventBus(),
    getAction: ({ registry: root = registry, name, version, action, input, timeout }) =>
      callAction({ baseUrl: `${root.replace(/\/+$/, '')}/r`, name, version, timeout }, action, input),
    get share() {
      return globalThis.mikr0Share;
    },
  };
  window.mikr0 = mikr0;
  if (!customElements.get('mikro-component')) customElements.define('mikro-component', defineMikroComponent(registry));

  // `vite dev` (mikr0()): the component's module or its server code changed.
  addEventListener('mikr0:hot', (event) => {
    const { url, module } = (event as CustomEvent).detail;
    hotModules.set(path(url), module);
    for (const element of live) if (element.mounted && path(element.mounted.payload.src) === path(url)) void element.hotSwap(module);
  });
  addEventListener('mikr0:server-update', (event) => {
    const { url } = (event as CustomEvent).detail ?? {};
    // Also an element in the middle of a hot swap: the data it is about to mount again is stale.
    for (const element of live) if (!url || (element.shownSrc !== undefined && path(element.shownSrc) === path(url))) element.refresh();
  });
  return mikr0;
}

const mikr0 = install();
export const events = mikr0.events;
export const getAction = mikr0.getAction;
export default mikr0;
