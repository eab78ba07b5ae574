/** A fixture app project (an index.html of its own) with a mikr0 component beside it, for plugin and CLI tests. */

/** An app as create-vite writes one, with a component beside it in src/widget/. */
export function appFiles(indexScripts = ''): Record<string, string> {
  return {
    'package.json': JSON.stringify({ name: 'app-widget', version: '2.0.0', type: 'module' }),
    'index.html': `<!doctype html>\n<html><head><title>THE_APP_PAGE</title>${indexScripts}</head>\n<body><div id="app"></div><script type="module" src="/src/main.ts"></script></body></html>\n`,
    'public/robots.txt': 'User-agent: *\n',
    // Both images are over Vite's inline limit (4 kB): files, with URLs.
    'src/hero.png': 'h'.repeat(6000),
    'src/widget/badge.png': 'b'.repeat(6000),
    'src/main.ts': `import './app.css';\nimport hero from './hero.png';\ndocument.querySelector('#app')!.textContent = 'APP_MAIN_MARKER ' + hero;\n`,
    'src/app.css': `#app { color: teal; }\n`,
    'src/widget/index.ts': `import { createComponent } from 'vite-plugin-mikr0/runtime';
import badge from './badge.png';
export default createComponent({
  parameters: { who: { type: 'string', default: 'you' } },
  loader: async ({ parameters }) => ({ text: 'WIDGET_SERVER_MARKER ' + parameters.who }),
  mount(el, data) { el.textContent = data.text + badge; },
});
`,
  };
}
