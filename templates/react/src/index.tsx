/**
 * The component entry. mikr0() splits this file in two:
 * - the server half (server.cjs): `parameters`, `loader`, `actions` and `render`, run by the
 *   registry, which sends the HTML `render` makes with the loader's data;
 * - the browser half (template.js): `hydrate`, `mount` and `unmount`, and only what they import.
 * So react-dom/server never reaches the browser, react-dom/client never reaches the server, and
 * loader-only code stays on the server. `Card` is in both: it renders the same markup on each side.
 */
import { createComponent, createError } from 'vite-plugin-mikr0/runtime';
import { renderToString } from 'react-dom/server';
import { createRoot, hydrateRoot, type Root } from 'react-dom/client';
import { Card } from './Card';

const GREETINGS = { en: 'Hello', fr: 'Bonjour', de: 'Hallo' } as const;
type Lang = keyof typeof GREETINGS;

/** The first language of an Accept-Language header we have a greeting for, e.g. "fr-CH, de;q=0.8" → "fr". */
function pickLanguage(header: string | undefined): Lang {
  for (const part of (header ?? '').split(',')) {
    const primary = part.split(';')[0]!.trim().slice(0, 2).toLowerCase();
    if (Object.hasOwn(GREETINGS, primary)) return primary as Lang;
  }
  return 'en';
}

/** One React root per host element: the same component can be mounted many times on a page. */
const roots = new WeakMap<HTMLElement, Root>();

const component = createComponent({
  // A plain object literal: mikr0() reads it at build time, and the registry validates
  // and coerces query parameters against it (400 with every problem listed).
  parameters: {
    name: { type: 'string', mandatory: true, example: 'World', description: 'Who to greet' },
    count: { type: 'number', default: 1, description: 'How many likes the card starts with' },
    tone: { type: 'string', enum: ['friendly', 'formal'], default: 'friendly', description: 'Look of the card' },
  },
  // Runs on the registry for every render; request headers reach it.
  loader({ parameters, headers }) {
    const lang = pickLanguage(headers['accept-language']);
    return {
      greeting: `${GREETINGS[lang]}, ${parameters.name}!`,
      lang,
      count: parameters.count,
      tone: parameters.tone,
    };
  },
  // Server functions the browser calls through `serverClient` (POST /r/action/<name>/<version>).
  actions: {
    like(input: { count: number }) {
      if (typeof input?.count !== 'number' || !Number.isFinite(input.count)) {
        throw createError({ status: 400, code: 'VALIDATION_ERROR', message: 'like expects { count: number }' });
      }
      return { likes: input.count + 1 };
    },
  },
  // Runs on the registry after the loader: the HTML the page shows before any script runs.
  // React attaches its event listeners to the root's container and never removes them, so
  // the root lives in a wrapper we own (display: contents, no box of its own) and the host
  // element keeps no listener after unmount. The server HTML holds that wrapper too.
  render(data) {
    return `<div style="display:contents">${renderToString(<Card {...data} />)}</div>`;
  },
  // In the browser, on the server HTML: React adopts the wrapper and the nodes in it as they are.
  hydrate(element, data) {
    roots.set(element, hydrateRoot(element.firstElementChild!, <Card {...data} />));
  },
  // In the browser on an empty element (a client-side render, a hot update in dev).
  mount(element, data) {
    const container = document.createElement('div');
    container.style.display = 'contents';
    element.replaceChildren(container);
    const root = createRoot(container);
    roots.set(element, root);
    root.render(<Card {...data} />);
  },
  unmount(element) {
    // Unmounting the root runs effect cleanups; removing the wrapper takes React's listeners
    // with it and leaves the host element empty.
    roots.get(element)?.unmount();
    roots.delete(element);
    element.replaceChildren();
  },
});

export default component;

// Types `serverClient` from this component's actions (see Card.tsx).
declare module 'vite-plugin-mikr0/runtime' {
  interface Register {
    component: typeof component;
  }
}
