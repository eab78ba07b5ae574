// Read by vite-plugin-svelte, the editor extension and svelte-check.
// Svelte 5 understands TypeScript in <script lang="ts"> without a preprocessor.
/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  compilerOptions: { runes: true },
};
