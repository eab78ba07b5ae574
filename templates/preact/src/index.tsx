import { createComponent } from 'vite-plugin-mikr0/runtime';
import { render } from 'preact';
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

  // Runs in the browser with the loader's data.
  mount(element, data) {
    render(<Card {...data} />, element);
  },

  // Unmounts the Preact tree (effects cleaned up, listeners gone) and leaves the element empty.
  unmount(element) {
    render(null, element);
  },
});

export default component;

// Types `serverClient` from this component's actions: `serverClient.like({ count: 1 })` is checked.
declare module 'vite-plugin-mikr0/runtime' {
  interface Register {
    component: typeof component;
  }
}
