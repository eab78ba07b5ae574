/**
 * The attributes `<mikro-component>` reads (element.ts), for the typings next to this file: one
 * per framework, each augmenting only its own framework's module, so an app enables the one it
 * uses and needs no other framework installed. Each imports its framework at the top: tsgo finds
 * an augmented module only when something has loaded it, so the file does not rely on the app's
 * imports.
 *
 * No index signature for component parameters: the element reads them only from the
 * `parameters` JSON attribute (or from `src`'s query), never from attributes of their own, so
 * `greeting="Hi"` would be sent nowhere; without an index signature such an attribute, and a typo
 * such as `verison`, is a compile error. Hyphenated ones (`data-*`, `aria-*`) stay allowed.
 */
import type { MikroComponentElement } from '../element.js';

interface Options {
  /** A semver range such as `1.x` (default: the latest version). */
  version?: string;
  /** The registry's root URL (default: the registry `client.js` came from). */
  registry?: string;
  /** The component's parameters as a JSON object: `parameters={JSON.stringify({ name: 'World' })}`. */
  parameters?: string;
  /** Parameters whose JSON is longer than this many bytes travel deflated (`d=`). */
  compress?: number | `${number}`;
  /** `lazy`: render when scrolled into view (default: at once). */
  loading?: 'lazy' | 'eager';
  /** Milliseconds the render may take before the element fails with TIMEOUT (default 10 000). */
  timeout?: number | `${number}`;
  /** Render into an open shadow root: the page's styles stay out, the component's own apply. */
  isolate?: boolean | '';
}

/** A component by `name` (with `version`, `registry`), or by a full render URL in `src`. */
export type MikroComponentAttributes = Options & ({ name: string; src?: string } | { src: string; name?: string });

declare global {
  interface HTMLElementTagNameMap {
    'mikro-component': MikroComponentElement;
  }
}
