/**
 * The dev preview page at `/` (when the project has no index.html of its own): the component
 * rendered through the emulated registry, a parameter form generated from its schema, and the
 * loader's data. Client edits remount with the same data; server edits refetch and remount.
 */
export const PREVIEW_MODULE = 'virtual:mikr0-preview';

export function previewHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>${escapeHtml(title)} · mikr0 dev</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; display: grid; grid-template-columns: minmax(16rem, 22rem) 1fr; min-height: 100vh; }
  aside { padding: 1rem; border-right: 1px solid #8884; }
  main { padding: 1rem; display: grid; gap: 1rem; align-content: start; }
  label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
  label small { font-weight: 400; opacity: .7; }
  input, select { width: 100%; box-sizing: border-box; padding: .35rem; }
  .error { color: #d33; font-size: .85rem; }
  #mount { border: 1px dashed #8886; padding: 1rem; min-height: 3rem; }
  pre { background: #8881; padding: .75rem; overflow: auto; }
  @media (max-width: 40rem) { body { grid-template-columns: 1fr; } aside { border-right: 0; border-bottom: 1px solid #8884; } }
</style>
</head>
<body>
<aside><h1 id="title">${escapeHtml(title)}</h1><form id="form"></form><p id="status"></p></aside>
<main><div id="mount"></div><h2>Loader data</h2><pre id="data"></pre></main>
<script type="module" src="/@id/__x00__${PREVIEW_MODULE}"></script>
</body>
</html>`;
}

/** The preview's script, served as a virtual module so Vite's HMR reaches it. */
export function previewModule(entryUrl: string, name: string, version: string): string {
  return `import component from ${JSON.stringify(entryUrl)};
const name = ${JSON.stringify(name)}, version = ${JSON.stringify(version)};
const form = document.getElementById('form'), mount = document.getElementById('mount');
const status = document.getElementById('status'), dataView = document.getElementById('data');
const meta = { baseUrl: location.origin + '/r', name, version };
let current = component, data, mounted = false, timer;

const info = await (await fetch('/__mikr0/component')).json();
for (const [key, def] of Object.entries(info.parameters ?? {})) {
  const label = document.createElement('label');
  label.textContent = key + (def.mandatory ? ' *' : '');
  if (def.description) label.append(Object.assign(document.createElement('small'), { textContent: ' ' + def.description }));
  let input;
  if (def.enum) {
    input = document.createElement('select');
    for (const value of ['', ...def.enum]) input.append(new Option(String(value), String(value)));
  } else {
    input = document.createElement('input');
    input.type = def.type === 'number' ? 'number' : def.type === 'boolean' ? 'checkbox' : 'text';
  }
  input.name = key;
  const initial = new URLSearchParams(location.search).get(key) ?? def.example ?? def.default;
  if (initial !== undefined) input.type === 'checkbox' ? (input.checked = String(initial) === 'true') : (input.value = String(initial));
  const error = Object.assign(document.createElement('div'), { className: 'error', id: 'error-' + key });
  form.append(label, input, error);
}
form.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(render, 250); });

function query() {
  const params = new URLSearchParams();
  for (const input of form.elements) {
    if (input.type === 'checkbox') params.set(input.name, String(input.checked));
    else if (input.value !== '') params.set(input.name, input.value);
  }
  return params;
}

async function remount() {
  if (mounted) await current.unmount?.(mount);
  mounted = false;
  if (data === undefined) return;
  await current.mount?.(mount, data, meta);
  mounted = true;
}

async function render() {
  const params = query();
  history.replaceState(null, '', '?' + params);
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  const started = performance.now();
  const response = await fetch('/r/component/' + name + '/' + version + '?' + params);
  const body = await response.json();
  status.textContent = response.status + ' in ' + Math.round(performance.now() - started) + ' ms';
  if (!response.ok) {
    dataView.textContent = JSON.stringify(body, null, 2);
    for (const detail of body.error?.details ?? []) {
      const el = document.getElementById('error-' + detail.path);
      if (el) el.textContent = detail.message;
    }
    return;
  }
  data = body.data;
  dataView.textContent = JSON.stringify(data, null, 2);
  await remount();
}

await render();
window.__mikr0Preview = { render };

if (import.meta.hot) {
  // Client code changed: unmount the old, mount the new, same data, no reload.
  import.meta.hot.accept(${JSON.stringify(entryUrl)}, async (next) => {
    if (mounted) await current.unmount?.(mount);
    mounted = false;
    current = next.default;
    await remount();
  });
  // Server code changed: run the loader again and remount with the new data.
  import.meta.hot.on('mikr0:server-update', () => render());
}
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
