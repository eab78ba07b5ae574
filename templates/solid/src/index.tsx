/**
 * The component entry. mikr0() splits this file in two:
 * - the server half (server.cjs): `parameters`, `loader` and `actions`, run by the registry;
 * - the browser half (template.js): `mount` and `unmount`, and only what they import.
 * So Solid never reaches the server, and loader-only code never reaches the browser.
 */
import { createComponent, createError } from 'vite-plugin-mikr0/runtime';
import { render } from 'solid-js/web';
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
  mount(element, data) {
    disposers.set(element, render(() => <Card {...data} />, element));
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
