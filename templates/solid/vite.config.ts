import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // solid({ ssr: true }): compiles JSX for each half — to HTML strings in the server half
  // (server.cjs), to hydratable fine-grained DOM updates with HMR in the browser half
  // (template.js); mikr0(): splits src/index.tsx into those halves and serves a registry
  // under /r in dev.
  plugins: [solid({ ssr: true }), mikr0()],
});
