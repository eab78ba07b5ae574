import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // react(): JSX and Fast Refresh; mikr0(): splits src/index.tsx into the browser half
  // (template.js) and the server half (server.cjs) and serves a registry under /r in dev.
  plugins: [react(), mikr0()],
});
