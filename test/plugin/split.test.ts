import { describe, expect, test } from 'vitest';
import { splitComponent } from '../../plugin/split.js';

const entry = `import { createComponent } from 'vite-plugin-mikr0/runtime';
import db from 'server-db';
import { render as paint, helper } from 'dom-lib';
import shared from './shared';
import './style.css';
const QUERY = 'SELECT 1';
function load(p) { return db.query(QUERY, shared(p)); }
const format = (d) => shared(d);
export default createComponent({
  parameters: { id: { type: 'number' } },
  plugins: { getUser: async () => null, track: () => {} },
  loader: ({ parameters }) => load(parameters),
  actions: { save(input) { return db.save(input); } },
  render(data) { return '<p>' + data + '</p>'; },
  mount(el, data) { paint(el, format(data)); },
  unmount: (el) => { el.innerHTML = ''; },
});
`;

describe('splitComponent', () => {
  test('client half: no loader, actions, parameters, plugins, render, nor what only they used', () => {
    const { code } = splitComponent(entry, 'src/index.ts', 'client');
    for (const gone of ['server-db', 'QUERY', 'function load', 'parameters:', 'plugins:', 'loader', 'actions', 'render(data)', 'getUser']) {
      expect(code, gone).not.toContain(gone);
    }
    for (const kept of ["from 'dom-lib'", 'paint', 'format', "import shared from './shared'", "import './style.css'", 'mount', 'unmount']) {
      expect(code, kept).toContain(kept);
    }
    // Unused specifiers go, the used one of the same import stays.
    expect(code).not.toMatch(/helper/);
  });

  test('server half: no mount/unmount nor what only they used; schema and plugins reported', () => {
    const result = splitComponent(entry, 'src/index.ts', 'server');
    for (const gone of ['dom-lib', 'paint', 'format', 'mount', 'unmount']) expect(result.code, gone).not.toContain(gone);
    for (const kept of ["import db from 'server-db'", 'QUERY', 'function load', 'loader', 'actions', 'render(data)', "import shared from './shared'"]) {
      expect(result.code, kept).toContain(kept);
    }
    expect(result.parametersSource).toBe("{ id: { type: 'number' } }");
    expect(result.plugins).toEqual(['getUser', 'track']);
  });

  test('a server renderer stays on the server, a hydrating client in the browser', () => {
    const code = `import { createComponent } from 'vite-plugin-mikr0/runtime';
import { renderToString } from 'react-dom/server';
import { createRoot, hydrateRoot } from 'react-dom/client';
import { Card } from './Card';
const roots = new WeakMap();
const wrap = (html) => '<div>' + html + '</div>';
export default createComponent({
  loader: () => ({ n: 1 }),
  render: (data) => wrap(renderToString(jsx(Card, data))),
  hydrate(element, data) { roots.set(element, hydrateRoot(element.firstElementChild, jsx(Card, data))); },
  mount(element, data) { roots.set(element, createRoot(element)); },
  unmount(element) { roots.get(element)?.unmount(); },
});
`;
    const server = splitComponent(code, 'src/index.tsx', 'server').code;
    for (const gone of ['react-dom/client', 'hydrateRoot', 'createRoot', 'WeakMap', 'hydrate(']) expect(server, gone).not.toContain(gone);
    for (const kept of ["from 'react-dom/server'", 'wrap', "from './Card'", 'render:']) expect(server, kept).toContain(kept);
    const client = splitComponent(code, 'src/index.tsx', 'client').code;
    for (const gone of ['react-dom/server', 'renderToString', 'const wrap', 'render:', 'loader']) expect(client, gone).not.toContain(gone);
    for (const kept of ['hydrateRoot', 'createRoot', "from './Card'", 'hydrate(element, data)', 'mount(element, data)']) expect(client, kept).toContain(kept);
  });

  test('the const-then-export form, shorthand and method properties', () => {
    const code = `import x from 'server-only';
function loader() { return x; }
const component = { loader, mount(el) { el.id = 'm'; } };
export default component;
`;
    const client = splitComponent(code, 'e.js', 'client').code;
    expect(client).not.toMatch(/server-only|function loader/);
    expect(client).toMatch(/mount\(el\)/);
  });

  test('code with side effects stays even when unused', () => {
    const code = `import x from 'a';
const registered = register(x);
export default createComponent({ loader: () => x, mount() {} });
`;
    expect(splitComponent(code, 'e.js', 'client').code).toMatch(/register\(x\)/);
  });

  test.each([
    ['no default export', `export const a = 1;`, /no default export/],
    ['a call without an object', `export default make();`, /createComponent\(\{/],
    ['an unknown identifier', `export default component;`, /not a top-level const/],
    ['a syntax error', `export default {`, /cannot parse/],
  ])('%s → an error naming the file and the fix', (_label, code, message) => {
    expect(() => splitComponent(code, 'src/index.ts', 'client')).toThrow(message);
    expect(() => splitComponent(code, 'src/index.ts', 'client')).toThrow(/src\/index\.ts/);
  });
});
