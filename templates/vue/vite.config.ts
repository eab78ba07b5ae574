import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import mikr0 from 'vite-plugin-mikr0';

export default defineConfig({
  // mikr0() reads the name and version from package.json and the entry from src/index.ts.
  plugins: [vue(), mikr0()],
});
