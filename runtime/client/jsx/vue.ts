/**
 * `<mikro-component>` in Vue: once in the app,
 * `/// <reference types="vite-plugin-mikr0/jsx/vue" />` or `import type {} from` it. TSX: Vue's JSX.IntrinsicElements (vue/jsx-runtime and the global one) is built from
 * IntrinsicElementAttributes. SFC templates (vue-tsc) check a hyphenated tag as a component:
 * GlobalComponents, in the shape Vue's guide gives for custom elements not built with Vue.
 */
import type * as Vue from 'vue';
import type { MikroComponentElement } from '../element.js';
import type { MikroComponentAttributes } from './attributes.js';

declare module 'vue' {
  interface IntrinsicElementAttributes {
    'mikro-component': Vue.HTMLAttributes & MikroComponentAttributes;
  }
  interface GlobalComponents {
    'mikro-component': new () => MikroComponentElement & { $props: Vue.HTMLAttributes & MikroComponentAttributes };
  }
}

export {};
