/**
 * `<mikro-component>` in Solid TSX: once in the app,
 * `/// <reference types="vite-plugin-mikr0/jsx/solid" />` or `import type {} from` it.
 */
import type * as Solid from 'solid-js';
import type { MikroComponentElement } from '../element.js';
import type { MikroComponentAttributes } from './attributes.js';

declare module 'solid-js' {
  namespace JSX {
    interface IntrinsicElements {
      'mikro-component': Solid.JSX.HTMLAttributes<MikroComponentElement> & MikroComponentAttributes;
    }
  }
}

export {};
