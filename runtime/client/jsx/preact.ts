/**
 * `<mikro-component>` in Preact TSX: once in the app,
 * `/// <reference types="vite-plugin-mikr0/jsx/preact" />` or `import type {} from` it.
 */
import type * as Preact from 'preact';
import type { MikroComponentElement } from '../element.js';
import type { MikroComponentAttributes } from './attributes.js';

declare module 'preact' {
  namespace JSX {
    interface IntrinsicElements {
      'mikro-component': Preact.HTMLAttributes<MikroComponentElement> & MikroComponentAttributes;
    }
  }
}

export {};
