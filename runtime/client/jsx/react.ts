/**
 * `<mikro-component>` in React 19 TSX (its JSX namespace lives in module `react`): once in the
 * app, `/// <reference types="vite-plugin-mikr0/jsx/react" />` or `import type {} from` it.
 */
import type * as React from 'react';
import type { MikroComponentElement } from '../element.js';
import type { MikroComponentAttributes } from './attributes.js';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'mikro-component': React.DetailedHTMLProps<React.HTMLAttributes<MikroComponentElement>, MikroComponentElement> & MikroComponentAttributes;
    }
  }
}

export {};
