/**
 * `<mikro-component>` in Svelte 5 markup (svelte-check): once in the app,
 * `/// <reference types="vite-plugin-mikr0/jsx/svelte" />` or `import type {} from` it.
 */
import type * as Svelte from 'svelte/elements';
import type { MikroComponentElement } from '../element.js';
import type { MikroComponentAttributes } from './attributes.js';

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'mikro-component': Svelte.HTMLAttributes<MikroComponentElement> & MikroComponentAttributes;
  }
}

export {};
