/**
 * The component entry. mikr0() splits this file in two:
 * - the server half (server.cjs): `parameters`, `loader`, `actions` and `render`, run by the
 *   registry, which sends the HTML `render` makes with the data;
 * - the browser half (template.js): `hydrate`, `mount` and `unmount`, and only what they import.
 * solid({ ssr: true }) compiles Card.tsx once for each half: to HTML strings for the server, to
 * hydratable DOM code for the browser. So Solid's server renderer never reaches the browser, and
 * loader-only code never reaches it either.
 */
import { createComponent, createError } from 'vite-plugin-mikr0/runtime';
import { hydrate as hydrateSolid, render as renderSolid, renderToString } from 'solid-js/web';
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

/** The dispose function of each mounted element: the same component can be mounted many times on a page. */
const disposers = new WeakMap<HTMLElement, () => void>();

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
  // Runs on the registry after the loader: the card as HTML, shown before any script runs. Its
  // data-hk attributes are hydration keys, which hydrate looks up inside the host element only,
  // so several cards on one page never mix theirs up.
  render(data) {
    return renderToString(() => <Card {...data} />);
  },
  // Runs in the browser on the HTML render made: Solid adopts the server's DOM nodes and
  // attaches the listeners, instead of building the card again.
  hydrate(element, data) {
    // Solid's hydration state lives on globalThis._$HY, which the inline script of
    // generateHydrationScript() would create; a page embedding the card has no such script.
    // Never set `done` on it: hydrate would then render from scratch.
    (globalThis as { _$HY?: unknown })._$HY ??= { events: [], completed: new WeakSet(), r: {}, fe() {} };
    disposers.set(element, hydrateSolid(() => <Card {...data} />, element));
  },
  // Runs in the browser when the element is empty (an HMR swap, a render without server HTML).
  mount(element, data) {
    disposers.set(element, renderSolid(() => <Card {...data} />, element));
  },
  unmount(element) {
    // Disposing runs every onCleanup, stops every effect and empties the element.
    disposers.get(element)?.();
    disposers.delete(element);
  },
});

export default component;

// Types `serverClient` from this component's actions (see Card.tsx).
declare module 'vite-plugin-mikr0/runtime' {
  interface Register {
    component: typeof component;
  }
}
