/**
 * The component entry. mikr0() splits this file in two:
 * - the server half (server.cjs): `parameters`, `loader`, `actions` and `render`, run by the
 *   registry, which sends the HTML `render` makes with the data;
 * - the browser half (template.js): `hydrate`, `mount` and `unmount`, and only what they import.
 * vite-plugin-svelte compiles Card.svelte once for each half: to HTML strings for the server,
 * to DOM code for the browser. So Svelte's server renderer never reaches the browser.
 */
import { hydrate as hydrateSvelte, mount as mountSvelte, unmount as unmountSvelte } from 'svelte';
import { render as renderSvelte } from 'svelte/server';
import { createComponent, createError } from 'vite-plugin-mikr0/runtime';
import Card from './Card.svelte';
import type { CardProps } from './types';

const greetings = {
  friendly: { en: 'Hello', fr: 'Bonjour', de: 'Hallo' },
  formal: { en: 'Good day', fr: 'Bonjour', de: 'Guten Tag' },
} as const;

/** The first language of an Accept-Language header that has a greeting; English otherwise. */
function pickLanguage(header: string | undefined): CardProps['lang'] {
  for (const part of (header ?? '').split(',')) {
    const tag = part.split(';')[0].split('-')[0].trim().toLowerCase();
    if (tag === 'en' || tag === 'fr' || tag === 'de') return tag;
  }
  return 'en';
}

/** One Svelte instance per host element, so several cards can live on the same page. */
const instances = new WeakMap<HTMLElement, ReturnType<typeof mountSvelte>>();

const component = createComponent({
  parameters: {
    name: { type: 'string', mandatory: true, example: 'World', description: 'Who to greet' },
    count: { type: 'number', default: 1, description: 'Likes so far' },
    tone: { type: 'string', enum: ['friendly', 'formal'], default: 'friendly', description: 'How to greet' },
  },

  // Runs on the registry (never in the browser), with the request's headers.
  async loader({ parameters, headers }): Promise<CardProps> {
    const lang = pickLanguage(headers['accept-language']);
    const word = greetings[parameters.tone][lang];
    const end = parameters.tone === 'formal' ? '.' : '!';
    return { greeting: `${word}, ${parameters.name}${end}`, lang, count: parameters.count, tone: parameters.tone };
  },

  // Run on the registry too; the UI calls them with `serverClient.like({ count })`.
  actions: {
    like(input: { count: number }) {
      if (typeof input?.count !== 'number' || !Number.isFinite(input.count)) {
        throw createError({ status: 400, code: 'VALIDATION_ERROR', message: '`count` must be a number' });
      }
      return { likes: input.count + 1 };
    },
  },

  // Runs on the registry after the loader: the card as HTML, shown before any script runs.
  // Svelte marks its blocks with comments (<!--[-->...<!--]-->) that hydrate finds again.
  render(data) {
    const props: CardProps = data;
    return renderSvelte(Card, { props }).body;
  },

  // Runs in the browser on the HTML render made: Svelte adopts the server's DOM nodes and
  // attaches the listeners, instead of building the card again.
  hydrate(element, data) {
    const props: CardProps = data;
    instances.set(element, hydrateSvelte(Card, { target: element, props }));
  },

  // Runs in the browser when the element is empty (an HMR swap, a render without server HTML).
  mount(element, data) {
    const props: CardProps = data;
    instances.set(element, mountSvelte(Card, { target: element, props }));
  },

  async unmount(element) {
    const instance = instances.get(element);
    instances.delete(element);
    if (instance) await unmountSvelte(instance); // removes the card's DOM, effects and listeners
  },
});

export default component;

// Types `serverClient` from this component's actions, everywhere in the project.
declare module 'vite-plugin-mikr0/runtime' {
  interface Register {
    component: typeof component;
  }
}
