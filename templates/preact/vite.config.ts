import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // preact(): JSX + Fast Refresh in dev. mikr0() builds src/index.tsx into dist/:
  // template.js (browser), server.cjs (loader, actions, render), package.json.
  plugins: [preact(), mikr0()],
});
