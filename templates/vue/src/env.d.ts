// Lets plain `tsc` import .vue files. It checks src/index.ts against this shape only; the
// <script setup> code itself is checked by your editor (Vue - Official) or `vue-tsc`.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
