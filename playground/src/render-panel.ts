/**
 * The live preview: one `<mikro-component>` fed the form's parameters (debounced), and what
 * its events tell — the loader's data, HTTP status, render time, or the failure.
 */
import type { ErrorDetail } from './api.js';
import { debounce, formatJson, h, replace } from './dom.js';
import type { LoadedDetail, RenderErrorDetail } from './runtime.js';

export interface RenderTarget {
  name: string;
  version: string;
  parameters: Record<string, unknown>;
}

export interface RenderPanelOptions {
  root: string;
  /** Field-level problems from the registry (400 details), or none after a success. */
  onDetails(details: ErrorDetail[]): void;
  /** The loader's data of each successful render. */
  onData?(data: unknown): void;
}

const DEBOUNCE_MS = 300;

export function createRenderPanel({ root, onDetails, onData }: RenderPanelOptions) {
  const status = h('span', { class: 'render-status', 'data-render-status': '', role: 'status', 'aria-live': 'polite' });
  const stage = h('div', { class: 'stage', 'data-stage': '' });
  const failure = h('div', { class: 'render-error', 'data-render-error': '', role: 'alert', hidden: true });
  const data = h('pre', { class: 'code data', 'data-loader-data': '', tabindex: '0', 'aria-label': 'Loader data' }, '—');
  const element = h(
    'section',
    { class: 'panel preview-panel', 'aria-labelledby': 'preview-title' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'preview-title' }, 'Preview'), status),
    stage,
    failure,
    h('h3', { class: 'subhead' }, 'Loader data'),
    data,
  );

  let component: HTMLElement | null = null;

  function setStatus(state: string, ...text: Array<string | Node>) {
    status.dataset.state = state;
    replace(status, ...text);
  }

  function apply(target: RenderTarget) {
    const attributes: Record<string, string> = {
      name: target.name,
      version: target.version,
      registry: root,
      parameters: JSON.stringify(target.parameters),
    };
    if (!component || component.getAttribute('name') !== target.name) {
      component?.remove();
      component = document.createElement('mikro-component');
      listen(component);
      for (const [key, value] of Object.entries(attributes)) component.setAttribute(key, value);
      replace(stage, component);
    } else {
      let changed = false;
      for (const [key, value] of Object.entries(attributes)) {
        if (component.getAttribute(key) === value) continue;
        component.setAttribute(key, value);
        changed = true;
      }
      if (!changed) return;
    }
    setStatus('loading', 'Rendering…');
  }

  function listen(target: HTMLElement) {
    // Only this element's own events: a component may nest others, whose events bubble.
    target.addEventListener('mikr0:loaded', (event) => {
      if (event.target !== target || target !== component) return;
      const detail = (event as CustomEvent<LoadedDetail>).detail;
      failure.hidden = true;
      replace(data, formatJson(detail.data));
      setStatus('ok', h('strong', { class: 'status-code' }, String(detail.status)), h('span', { class: 'status-time', 'data-render-time': '' }, `${Math.round(detail.duration)} ms`));
      onDetails([]);
      onData?.(detail.data);
    });
    target.addEventListener('mikr0:error', (event) => {
      if (event.target !== target || target !== component) return;
      const detail = (event as CustomEvent<RenderErrorDetail>).detail;
      // Status 0: no HTTP answer (the network), or the failure happened in the browser (import, mount).
      const network = detail.code === 'NETWORK_ERROR';
      const where = detail.status ? `HTTP ${detail.status}` : network ? 'network error' : 'in the browser';
      setStatus('error', h('strong', { class: 'status-code' }, detail.status ? String(detail.status) : network ? 'network' : 'client'), h('span', {}, detail.code));
      const details = detail.details ?? [];
      replace(
        failure,
        h('p', { class: 'error-title' }, h('strong', {}, detail.code), ` · ${where}`),
        h('p', {}, detail.message),
        details.length ? h('ul', {}, ...details.map((d) => h('li', {}, h('code', {}, d.path), ` ${d.message}`))) : null,
      );
      failure.hidden = false;
      // A failed mount still had its data; a failed request had none.
      if (detail.status || network) replace(data, '—');
      onDetails(details);
    });
  }

  const debounced = debounce(apply, DEBOUNCE_MS);

  return {
    element,
    /** Renders `target`: at once for a new component or version, debounced while typing. */
    show(target: RenderTarget, { immediate = false } = {}) {
      if (immediate || !component) {
        debounced.cancel();
        apply(target);
      } else {
        debounced(target);
      }
    },
    /** No request: a mandatory parameter is empty. */
    block(missing: string[]) {
      debounced.cancel();
      component?.remove();
      component = null;
      failure.hidden = true;
      replace(
        stage,
        h('p', { class: 'empty blocked', 'data-blocked': '' }, 'Not rendered: ', ...list(missing), missing.length === 1 ? ' is mandatory.' : ' are mandatory.'),
      );
      replace(data, '—');
      setStatus('blocked', 'Waiting for mandatory parameters');
    },
    /** The runtime could not load: nothing can render. */
    fail(message: string) {
      debounced.cancel();
      component = null;
      replace(stage);
      replace(failure, h('p', { class: 'error-title' }, h('strong', {}, 'RUNTIME_UNAVAILABLE')), h('p', {}, message));
      failure.hidden = false;
      setStatus('error', 'Runtime unavailable');
    },
  };
}

function list(keys: string[]): Node[] {
  return keys.flatMap((key, i) => [...(i ? [document.createTextNode(i === keys.length - 1 ? ' and ' : ', ')] : []), h('code', {}, key)]);
}
