/** Where the built browser parts live: in the package's dist/, wherever the registry's code runs from. */
import { builtPath } from '../runtime/node/package-root.js';

/** The browser runtime (`npm run build` → dist/client.js), served at /r/client.js. */
export const clientFile = builtPath('client.js');
/** The playground app (`npm run build` → dist/playground/), served at /. */
export const playgroundDir = builtPath('playground');
