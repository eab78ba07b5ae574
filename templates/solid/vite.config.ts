import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // solid(): compiles JSX to fine-grained DOM updates, with HMR; mikr0(): splits src/index.tsx
  // into the browser half (template.js) and the server half (server.cjs) and serves a registry
  // under /r in dev.
  plugins: [solid(), mikr0()],
});
