/** Where the built browser parts live: next to the compiled registry, in the package's dist/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The browser runtime (`npm run build` → dist/client.js), served at /r/client.js. */
export const clientFile = path.join(dist, 'client.js');
/** The playground app (`npm run build` → dist/playground/), served at /. */
export const playgroundDir = path.join(dist, 'playground');
