import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // mikr0() reads the name and version from package.json and the entry from src/index.ts.
  plugins: [svelte(), mikr0()],
});
