import { defineConfig } from 'vite';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // mikr0() builds src/index.ts into dist/: template.js (browser), server.cjs (loader, actions, render), package.json.
  plugins: [mikr0()],
});
