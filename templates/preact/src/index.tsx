/**
 * The component entry. mikr0() splits this file in two:
 * - the server half (server.cjs): `parameters`, `loader`, `actions` and `render`, run by the
 *   registry, which sends the HTML `render` makes with the loader's data;
 * - the browser half (template.js): `hydrate`, `mount` and `unmount`, and only what they import.
 * So preact-render-to-string never reaches the browser, and loader-only code stays on the
 * server. `Card` is in both: it renders the same markup on each side.
 */
import { createComponent } from 'vite-plugin-mikr0/runtime';
import { hydrate as hydrateInto, render as renderInto } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { Card } from './Card';

const greetings = { en: 'Hello', fr: 'Bonjour', de: 'Hallo' } as const;
type Lang = keyof typeof greetings;

/** The first language of an Accept-Language header we have a greeting for ("fr-CH,fr;q=0.9" → "fr"). */
function pickLanguage(header: string | undefined): Lang {
  for (const part of (header ?? '').split(',')) {
    const code = part.trim().slice(0, 2).toLowerCase();
    if (code in greetings) return code as Lang;
  }
  return 'en';
}

const component = createComponent({
  // A plain object literal: the plugin reads it at build time and writes it to dist/package.json.
  parameters: {
    name: { type: 'string', mandatory: true, example: 'World', description: 'Who to greet' },
    count: { type: 'number', default: 1, description: 'How many likes the card starts with' },
    tone: { type: 'string', enum: ['friendly', 'formal'], default: 'friendly', description: 'How the greeting ends' },
  },

  // Runs on the server (registry or `vite dev`), never in the browser.
  loader({ parameters, headers }) {
    const lang = pickLanguage(headers['accept-language']);
    const mark = parameters.tone === 'formal' ? '.' : '!';
    return {
      greeting: `${greetings[lang]}, ${parameters.name}${mark}`,
      lang,
      count: parameters.count,
      tone: parameters.tone,
    };
  },

  // Server functions the browser calls through `serverClient` (POST /r/action/<name>/<version>).
  actions: {
    // The input comes from the browser: check it like any request body.
    like: (input: { count: number }) => ({ likes: (Number.isFinite(input?.count) ? input.count : 0) + 1 }),
  },

  // Runs on the registry after the loader: the HTML the page shows before any script runs.
  render(data) {
    return renderToString(<Card {...data} />);
  },

  // In the browser, on the server HTML: Preact adopts its nodes and adds the listeners.
  hydrate(element, data) {
    hydrateInto(<Card {...data} />, element);
  },

  // In the browser on an empty element (a client-side render, a hot update in dev).
  mount(element, data) {
    renderInto(<Card {...data} />, element);
  },

  // Unmounts the Preact tree (effects cleaned up, listeners gone) and leaves the element empty.
  unmount(element) {
    renderInto(null, element);
  },
});

export default component;

// Types `serverClient` from this component's actions: `serverClient.like({ count: 1 })` is checked.
declare module 'vite-plugin-mikr0/runtime' {
  interface Register {
    component: typeof component;
  }
}
