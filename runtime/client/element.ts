/**
 * `<mikro-component>`: fetches a render payload from a registry, imports the component's
 * client module and mounts it — or hydrates the server HTML the payload (or a page server,
 * see shared/fragment.ts) put in it; re-renders on attribute changes (dropping stale
 * responses), unmounts on removal (not on a move), can wait until it scrolls into view, and
 * shows a failed state the page can style instead of failing silently.
 */
import { createError, isMikr0Error, type Mikr0Error } from '../shared/errors.js';
import type { RenderPayload } from '../shared/api.js';
import { PAYLOAD_TYPE } from '../shared/fragment.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, registryRoot, requestJson, withDeadline } from '../shared/registry-client.js';
import { requestRender, type RenderRequest } from './batch.js';
import { compressParameters } from './compress.js';

type Meta = { baseUrl: string; name: string; version: string };
interface ClientModule {
  mount?: (element: HTMLElement, data: unknown, meta: Meta) => unknown;
  hydrate?: (element: HTMLElement, data: unknown, meta: Meta) => unknown;
  unmount?: (element: HTMLElement) => unknown;
}
/** A payload a page server inlined (shared/fragment.ts): `server` when the element holds its HTML. */
type InlinedPayload = RenderPayload & { server?: boolean };
interface Mounted {
  module: ClientModule;
  payload: RenderPayload;
  baseUrl: string;
}

/** Elements with a component mounted or on its way: HMR in `vite dev` reaches them through this. */
export const live = new Set<MikroComponentElement>();
/** `vite dev`: the newest version of a hot-updated module, by URL path (import() would give the first). */
export const hotModules = new Map<string, ClientModule>();
export const urlPath = (url: string) => new URL(url, location.href).pathname;

/** Stylesheets loading or loaded, per document or shadow root. */
const stylesheets = new WeakMap<Document | ShadowRoot, Map<string, Promise<void>>>();
function loadStylesheet(href: string, root: Document | ShadowRoot = document): Promise<void> {
  let loaded = stylesheets.get(root);
  if (!loaded) stylesheets.set(root, (loaded = new Map()));
  if (!loaded.has(href)) {
    loaded.set(
      href,
      new Promise((resolve) => {
        // A fragment's page already links it: wait for that link rather than add another.
        const absolute = new URL(href, document.baseURI).href;
        const present = [...root.querySelectorAll<HTMLLinkElement>('link[rel~="stylesheet"]')].find((l) => l.href === absolute);
        if (present?.sheet) return resolve();
        const link = present ?? Object.assign(document.createElement('link'), { rel: 'stylesheet', href });
        // A stylesheet that fails must not keep the component from mounting.
        link.addEventListener('load', () => resolve());
        link.addEventListener('error', () => resolve());
        if (!present) (root === document ? document.head : root).append(link);
      }),
    );
  }
  return loaded.get(href)!;
}

const invalid = (message: string) => createError({ status: 0, code: 'BAD_REQUEST', message });


/** What the runtime itself (HMR) uses of an element; the rest is private. */
export interface MikroComponentElement extends HTMLElement {
  mounted: Mounted | null;
  refresh(): void;
  hotSwap(module: ClientModule): Promise<void>;
  /** The client module URL of what is mounted, or being swapped for a hot update. */
  readonly shownSrc: string | undefined;
}

export function defineMikroComponent(defaultRegistry: string): new () => MikroComponentElement {
  class MikroComponent extends HTMLElement implements MikroComponentElement {
    static observedAttributes = ['src', 'name', 'version', 'registry', 'parameters', 'compress', 'timeout'];
    mounted: Mounted | null = null;
    private run = 0;
    private queued = false;
    private started = false;
    private fallback: Element[] | null = null;
    private observer: IntersectionObserver | null = null;
    /** The payload a page server inlined, used by the first render instead of a request. */
    private inlined: InlinedPayload | null = null;
    private shadowTarget: HTMLElement | null = null;

    /**
     * Where the component renders: the element itself, or with `isolate`, a container in an
     * open shadow root whose styles are its own (`:host { all: initial }` stops the page's
     * inherited ones too). Server HTML already in the element moves in with its nodes.
     */
    private get target(): HTMLElement {
      if (!this.hasAttribute('isolate')) return this;
      if (!this.shadowTarget) {
        const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
        const style = document.createElement('style');
        style.textContent = ':host{all:initial}';
        this.shadowTarget = document.createElement('div');
        this.shadowTarget.style.display = 'contents';
        this.shadowTarget.append(...this.childNodes);
        root.append(style, this.shadowTarget);
      }
      return this.shadowTarget;
    }

    connectedCallback() {
      // Upgraded while the parser is still inside it: its children (server HTML, payload) come later.
      if (document.readyState === 'loading' && !this.started) {
        document.addEventListener('DOMContentLoaded', () => this.isConnected && this.connectedCallback(), { once: true });
        return;
      }
      if (this.fallback === null) {
        this.fallback = [...this.children].filter((child) => child.getAttribute('slot') === 'fallback');
        // A fragment the server could not render keeps showing its failed state while the browser tries again.
        if (this.getAttribute('state') !== 'failed') for (const child of this.fallback) child.remove();
        this.takeInlined();
      }
      // Moved in the DOM: still mounted (or still on its way), nothing to do.
      if (this.started) return;
      this.started = true;
      live.add(this);
      if (this.getAttribute('loading') === 'lazy' && 'IntersectionObserver' in window) {
        this.observer = new IntersectionObserver((entries) => {
          if (!entries.some((entry) => entry.isIntersecting)) return;
          this.observer?.disconnect();
          this.observer = null;
          this.refresh();
        });
        this.observer.observe(this);
        // Zero-size elements never intersect: give a lazy element a box to be seen by.
        if (!this.style.display) this.style.display = 'block';
      } else {
        this.refresh();
      }
    }

    disconnectedCallback() {
      // A move is a disconnect and a connect in the same task: only unmount if it stays out.
      queueMicrotask(() => {
        if (this.isConnected || !this.started) return;
        this.started = false;
        this.run++;
        this.removeAttribute('state');
        this.observer?.disconnect();
        this.observer = null;
        live.delete(this);
        void this.unmount();
      });
    }

    attributeChangedCallback(_name: string, previous: string | null, value: string | null) {
      if (previous !== value && this.started && !this.observer) this.refresh();
    }

    private takeInlined() {
      const script = [...this.children].find((child) => child.localName === 'script' && child.getAttribute('type') === PAYLOAD_TYPE);
      if (!script) return;
      // Out before anything hydrates: the component's HTML is all the element may hold.
      script.remove();
      try {
        const payload = JSON.parse(script.textContent ?? '');
        if (payload && typeof payload.src === 'string') this.inlined = payload;
      } catch {
        // Not a payload after all: render as if it were not there.
      }
    }

    /** Renders again (coalescing changes made in the same task). */
    refresh() {
      if (this.queued) return;
      this.queued = true;
      queueMicrotask(() => {
        this.queued = false;
        if (this.started) void this.render();
      });
    }

    /** `vite dev`: the component's client module changed; unmount the old, mount the new, same data. */
    private swapping: Mounted | null = null;

    get shownSrc() {
      return (this.mounted ?? this.swapping)?.payload.src;
    }

    async hotSwap(module: ClientModule) {
      const current = this.mounted;
      if (!current) return;
      const run = this.run;
      this.swapping = current;
      try {
        await this.unmount();
        // A render began meanwhile (a server update: new data on its way); it mounts the new module.
        if (run === this.run) await this.mountWith(module, current.payload, current.baseUrl);
      } finally {
        this.swapping = null;
      }
    }

    private async render() {
      const run = ++this.run;
      const inlined = this.inlined;
      this.inlined = null;
      // Server HTML on show stays as it is (no loading state over it) until it is hydrated.
      if (!inlined) this.setAttribute('state', 'loading');
      try {
        let payload: RenderPayload;
        let baseUrl: string;
        let server: boolean;
        if (inlined) {
          payload = inlined;
          baseUrl = (this.getAttribute('registry') || defaultRegistry).replace(/\/+$/, '') + '/r';
          server = inlined.server === true;
          this.emit('loaded', { name: payload.name, version: payload.version, data: payload.data, status: 200, inlined: true, duration: 0 });
        } else {
          const target = await this.renderUrl();
          baseUrl = target.baseUrl;
          const started = performance.now();
          // By name: batched with the other renders of this task. A render URL (`src`): as it is.
          const { body, status } = await (target.batch ? requestRender(target.batch) : requestJson(target.url, {}, { timeout: target.timeout }));
          if (run !== this.run) return;
          payload = body as RenderPayload;
          if (!payload || typeof payload.src !== 'string') throw createError({ status, code: 'INTERNAL_ERROR', message: `${target.url} did not answer a render payload` });
          this.emit('loaded', { name: payload.name, version: payload.version, data: payload.data, status, url: target.url, duration: performance.now() - started });
          server = payload.html !== undefined;
          if (server) {
            // Server HTML shows at once; the client module hydrates it.
            await this.unmount();
            if (run !== this.run) return;
            this.removeAttribute('error');
            this.target.innerHTML = payload.html!;
          }
        }
        const [module] = await Promise.all([
          hotModules.get(urlPath(payload.src)) ?? withDeadline(import(/* @vite-ignore */ payload.src) as Promise<ClientModule>, this.timeout(), `${payload.src} did not load`),
          ...(payload.css ?? []).map((href) => loadStylesheet(href, this.target.getRootNode() as Document | ShadowRoot)),
        ]);
        if (run !== this.run) return;
        await this.unmount();
        if (run !== this.run) return;
        await this.mountWith((module as { default?: ClientModule }).default ?? module, payload, baseUrl, server);
      } catch (error) {
        if (run === this.run) await this.fail(error);
      }
    }

    /** Hydrates the server HTML the element holds (`server`) when the module can; mounts otherwise. */
    private async mountWith(module: ClientModule, payload: RenderPayload, baseUrl: string, server = false) {
      const hydrate = server && typeof module.hydrate === 'function';
      if (!hydrate && typeof module.mount !== 'function') throw createError({ status: 0, code: 'BAD_REQUEST', message: `${payload.src} has no mount() to call` });
      this.mounted = { module, payload, baseUrl };
      // After a failure, the failed-state content makes way for the component.
      if (this.hasAttribute('error')) this.target.replaceChildren();
      this.removeAttribute('error');
      const meta = { baseUrl, name: payload.name, version: payload.version };
      await (hydrate ? module.hydrate!(this.target, payload.data, meta) : module.mount!(this.target, payload.data, meta));
      this.setAttribute('state', 'mounted');
      this.emit('mounted', { name: payload.name, version: payload.version, hydrated: hydrate });
    }

    private async unmount() {
      const current = this.mounted;
      if (!current) return;
      this.mounted = null;
      try {
        await current.module.unmount?.(this.target);
      } finally {
        this.emit('unmounted', { name: current.payload.name, version: current.payload.version });
      }
    }

    private async fail(cause: unknown) {
      const error: Mikr0Error = isMikr0Error(cause)
        ? cause
        : createError({ status: 0, code: 'INTERNAL_ERROR', message: String((cause as Error)?.message ?? cause), cause });
      await this.unmount().catch(() => {});
      this.setAttribute('state', 'failed');
      this.setAttribute('error', error.code);
      if (this.fallback?.length) {
        this.target.replaceChildren(...this.fallback.map((node) => node.cloneNode(true)));
      } else {
        const message = document.createElement('p');
        message.className = 'mikr0-error';
        message.setAttribute('role', 'alert');
        message.textContent = `${this.getAttribute('name') ?? 'Component'} could not be shown: ${error.message}`;
        this.target.replaceChildren(message);
      }
      const detail = { status: error.status, code: error.code, message: error.message, details: error.details, url: this.lastUrl };
      this.emit('error', detail);
    }

    private lastUrl = '';

    /** `timeout="<ms>"`, else 10 s: how long a render request (and the module's import) may take. */
    private timeout(): number {
      const ms = Number(this.getAttribute('timeout'));
      return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_REQUEST_TIMEOUT_MS;
    }

    private async renderUrl(): Promise<{ url: string; baseUrl: string; timeout: number; batch?: RenderRequest }> {
      const src = this.getAttribute('src');
      const name = this.getAttribute('name');
      if (!src && !name) throw invalid('<mikro-component> needs a name attribute (with version and registry) or a src render URL');
      const registry = (this.getAttribute('registry') || defaultRegistry).replace(/\/+$/, '');
      const version = this.getAttribute('version');
      const url = new URL(
        src || `${registry}/r/component/${encodeURIComponent(name!)}${version ? '/' + encodeURIComponent(version) : ''}`,
        document.baseURI,
      );
      this.lastUrl = url.href;
      const root = registryRoot(url, '/r/component/');
      if (root === null) throw invalid(`src="${src}" is not a render URL such as https://registry.example.com/r/component/name/1.x`);
      let parameters: Record<string, unknown> = {};
      const raw = this.getAttribute('parameters');
      if (raw) {
        try {
          parameters = JSON.parse(raw);
        } catch {
          throw invalid(`parameters must be a JSON object, such as parameters='{"name":"World"}'`);
        }
        if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw invalid('parameters must be a JSON object');
      }
      const json = JSON.stringify(parameters);
      const threshold = this.getAttribute('compress');
      // What the loader gets: query strings, or the JSON values of a compressed `d`.
      let delivered: Record<string, unknown> = parameters;
      if (raw && threshold !== null && json.length > Number(threshold)) {
        url.searchParams.set('d', await compressParameters(json));
      } else {
        delivered = {};
        for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, (delivered[key] = String(value)));
      }
      this.lastUrl = url.href;
      const timeout = this.timeout();
      const batch = src ? undefined : { root, name: name!, version, parameters: delivered, url: url.href, timeout };
      return { url: url.href, baseUrl: root + '/r', timeout, batch };
    }

    private emit(type: string, detail: unknown) {
      this.dispatchEvent(new CustomEvent(`mikr0:${type}`, { bubbles: true, composed: true, detail }));
    }
  }
  return MikroComponent;
}
