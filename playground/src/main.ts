/**
 * The playground: pick a component and version, edit its parameters, watch it render
 * through the registry's own runtime, copy the embed snippet, call its actions, see its usage.
 * The whole view lives in the URL; `#/admin/<tab>` shows the admin view over it instead.
 */
import { createActionsConsole } from './actions-console.js';
import { createAdminView } from './admin-view.js';
import { createApi, isMikr0Error, registryRoot, type ComponentDetail, type ErrorDetail, type VersionDetail } from './api.js';
import { renderHeader, sortVersions } from './component-header.js';
import { h, replace } from './dom.js';
import { createForm, type ParameterForm } from './form.js';
import { initialValues, missingMandatory, toParameters, toQuery, type Values } from './parameters.js';
import { createRenderPanel } from './render-panel.js';
import { loadRuntime } from './runtime.js';
import { createSidebar } from './sidebar.js';
import { createSnippets } from './snippet.js';
import { createUsagePanel } from './usage-chart.js';
import { readAdminRoute, readUrlState, writeUrlState, type AdminTab } from './state-url.js';

interface View {
  detail: ComponentDetail;
  version: VersionDetail;
  values: Values;
}

const root = registryRoot();
const api = createApi(root);
const runtime = loadRuntime(root);
const main = document.getElementById('main')!;

let view: View | null = null;
let form: ParameterForm | null = null;
let serverErrors: Record<string, string> = {};
let runtimeError: string | null = null;
let selection = 0;

const sidebar = createSidebar(document.getElementById('sidebar')!, {
  api,
  onSelect(name) {
    const leaving = readAdminRoute(location.hash) !== null;
    if (leaving) {
      // A new history entry, so Back returns to the admin view.
      history.pushState(history.state, '', `${location.pathname}${location.search}`);
      adminLink?.removeAttribute('aria-current');
    }
    // The shown component again: keep its version and values.
    if (view?.detail.name !== name) void select(name, null, {});
    else if (leaving) showView();
    if (matchMedia('(max-width: 720px)').matches) main.scrollIntoView({ block: 'start' });
  },
  onList(total, query) {
    if (total === 0 && query === '' && !view && selection === 0 && !readAdminRoute(location.hash)) showEmptyRegistry();
  },
});
const preview = createRenderPanel({ root, onDetails: showServerErrors, onData: (data) => actions.suggest(data) });
const snippets = createSnippets(root);
const actions = createActionsConsole(root, runtime);
const usage = createUsagePanel((name) => api.detail(name));
const admin = createAdminView(api);
const adminLink = document.getElementById('admin-link');

const header = h('div', { class: 'header-slot' });
const formBody = h('div', { class: 'form-slot' });
const reset = h('button', { type: 'button', class: 'button ghost small', title: 'Back to each parameter’s example' }, 'Reset');
const layout = h(
  'div',
  { class: 'view' },
  header,
  h(
    'div',
    { class: 'workspace' },
    h(
      'div',
      { class: 'column' },
      h('section', { class: 'panel form-panel', 'aria-labelledby': 'parameters-title' }, h('div', { class: 'panel-head' }, h('h2', { id: 'parameters-title' }, 'Parameters'), reset), formBody),
      actions.element,
    ),
    h('div', { class: 'column' }, preview.element, snippets.element, usage.element),
  ),
);

reset.addEventListener('click', () => {
  if (!view) return;
  view.values = initialValues(view.version.parameters, {});
  serverErrors = {};
  showVersion();
});

runtime.catch((error: Error) => {
  runtimeError = error.message;
  preview.fail(error.message);
});

/** Loads a component's detail and shows `version` (else the latest) with `given` values. */
async function select(name: string, version: string | null, given: Values) {
  const ticket = ++selection;
  sidebar.setSelected(name);
  main.setAttribute('aria-busy', 'true');
  let detail: ComponentDetail;
  try {
    detail = await api.detail(name);
  } catch (error) {
    if (ticket !== selection) return;
    main.removeAttribute('aria-busy');
    view = null;
    showMessage(isMikr0Error(error) && error.status === 404 ? `“${name}” is not in this registry.` : `Could not load “${name}”.`, (error as Error).message);
    return;
  }
  if (ticket !== selection) return;
  main.removeAttribute('aria-busy');
  const chosen = detail.versions.find((v) => v.version === version) ?? detail.versions.find((v) => v.version === detail.latest) ?? sortVersions(detail.versions)[0];
  view = { detail, version: chosen, values: initialValues(chosen.parameters, given) };
  serverErrors = {};
  if (layout.parentElement !== main) replace(main, layout);
  showVersion();
}

/** (Re)builds everything that depends on the selected version, then renders at once. */
function showVersion() {
  if (!view) return;
  const { detail, version } = view;
  const live = dev !== null && dev.name === detail.name && (dev.version ?? version.version) === version.version;
  replace(header, renderHeader(detail, version, changeVersion, live));
  form = createForm(version.parameters, view.values, changeValue);
  replace(formBody, form.element);
  reset.hidden = Object.keys(version.parameters).length === 0;
  actions.show({ name: detail.name, version: version.version, actions: version.actionNames });
  usage.show(detail, version.version);
  document.title = `${detail.name}@${version.version} · mikr0 playground`;
  update(true);
}

function changeVersion(version: string) {
  if (!view) return;
  const next = view.detail.versions.find((v) => v.version === version);
  if (!next) return;
  view.version = next;
  view.values = initialValues(next.parameters, view.values);
  serverErrors = {};
  showVersion();
}

function changeValue(key: string, value: string) {
  if (!view) return;
  view.values[key] = value;
  delete serverErrors[key];
  update(false);
}

/** Pushes the current values everywhere: URL, field errors, snippets, preview. */
function update(immediate: boolean) {
  if (!view) return;
  const { detail, version, values } = view;
  writeUrlState({ component: detail.name, version: version.version, values });
  const schema = version.parameters;
  const parameters = toParameters(schema, values);
  const missing = missingMandatory(schema, values);
  showErrors(missing);
  snippets.update({ name: detail.name, version: version.version, parameters, renderUrl: api.renderUrl(detail.name, version.version, toQuery(schema, values)) });
  if (runtimeError) return;
  if (missing.length) preview.block(missing);
  else preview.show({ name: detail.name, version: version.version, parameters }, { immediate });
}

function showErrors(missing: string[]) {
  const errors = { ...serverErrors };
  for (const key of missing) errors[key] = 'Required: the component renders once this has a value.';
  form?.showErrors(errors);
}

function showServerErrors(details: ErrorDetail[]) {
  if (!view) return;
  serverErrors = {};
  for (const { path, message } of details) if (path !== undefined && path in view.version.parameters) serverErrors[path] = message;
  showErrors(missingMandatory(view.version.parameters, view.values));
}

function showMessage(title: string, text: string) {
  replace(main, h('div', { class: 'welcome' }, h('h1', {}, title), h('p', { class: 'muted' }, text)));
}

function showEmptyRegistry() {
  replace(
    main,
    h(
      'div',
      { class: 'welcome' },
      h('h1', {}, 'This registry has no components yet'),
      h('p', { class: 'muted' }, 'Add ', h('code', {}, 'mikr0()'), ' to a component’s vite.config.ts, then build and publish it here:'),
      h('pre', { class: 'code' }, `npx vite build\nnpx mikr0 publish --registry ${root} --token <token>`),
      h('p', { class: 'muted' }, 'It shows up in the list as soon as it is published.'),
    ),
  );
}

/** The component under development (vite dev), announced by the page. */
function devComponent(): { name: string; version: string | null } | null {
  const content = document.querySelector<HTMLMetaElement>('meta[name="mikr0-dev-component"]')?.content;
  if (!content) return null;
  try {
    const { name, version } = JSON.parse(content) as { name?: unknown; version?: unknown };
    return typeof name === 'string' ? { name, version: typeof version === 'string' ? version : null } : null;
  } catch {
    return null;
  }
}

// Dev: the component's server code changed, so its schema may have: refetch, keep the values.
window.addEventListener('mikr0:server-update', () => {
  if (view && !readAdminRoute(location.hash)) void select(view.detail.name, view.version.version, view.values);
});

/** The hash decides: the admin view, or the component view the query describes. */
let adminTab: AdminTab | null = null;
function showRoute() {
  const tab = readAdminRoute(location.hash);
  if (tab) adminLink?.setAttribute('aria-current', 'page');
  else adminLink?.removeAttribute('aria-current');
  if (tab) {
    if (admin.element.parentElement === main && adminTab === tab) return;
    adminTab = tab;
    // A component still loading must not replace the admin view when it arrives.
    selection++;
    main.removeAttribute('aria-busy');
    sidebar.setSelected(null);
    if (admin.element.parentElement !== main) replace(main, admin.element);
    document.title = 'Admin · mikr0 playground';
    void admin.show(tab);
    return;
  }
  if (admin.element.parentElement !== main && main.childElementCount > 0) return;
  if (view) showView();
  else showInitial();
}

/** Back from the admin view to the component shown before it. */
function showView() {
  if (!view) return;
  sidebar.setSelected(view.detail.name);
  replace(main, layout);
  showVersion();
}

function showInitial() {
  const initial = readUrlState(location.search);
  if (initial.component) void select(initial.component, initial.version, initial.values);
  else if (dev) void select(dev.name, dev.version, {});
  else {
    replace(
      main,
      h(
        'div',
        { class: 'welcome' },
        h('h1', {}, 'Pick a component'),
        h('p', { class: 'muted' }, 'Choose one on the left to edit its parameters, watch it render live, copy its embed snippet and call its actions.'),
      ),
    );
  }
}

const dev = devComponent();
// vite dev's emulator has no admin API.
if (dev && adminLink) adminLink.hidden = true;
// Back and Forward between the admin view and a component (pushState) fire only popstate; a
// tab link fires popstate and hashchange (showRoute ignores the second).
window.addEventListener('hashchange', showRoute);
window.addEventListener('popstate', showRoute);
showRoute();
