/** The action console: pick an action, write its JSON input, run it through the runtime. */
import { formatJson, h, replace } from './dom.js';
import type { ActionError, Mikr0Runtime } from './runtime.js';

export interface ActionsTarget {
  name: string;
  version: string;
  actions: string[];
}

export function createActionsConsole(root: string, runtime: Promise<Mikr0Runtime>) {
  const element = h('section', { class: 'panel actions-panel', 'aria-labelledby': 'actions-title' });
  let input = '{}';
  let lastName: string | null = null;
  /** Typed in by the user: a render's data no longer replaces it. */
  let edited = false;
  let textarea: HTMLTextAreaElement | null = null;

  function show(target: ActionsTarget) {
    if (target.name !== lastName) (input = '{}'), (edited = false);
    lastName = target.name;

    const hasActions = target.actions.length > 0;
    const picker = hasActions
      ? h('select', { id: 'action-name', class: 'input' }, ...target.actions.map((action) => new Option(action, action)))
      : h('input', { id: 'action-name', class: 'input', type: 'text', placeholder: 'action name', autocomplete: 'off', spellcheck: 'false' });
    const area = (textarea = h('textarea', { id: 'action-input', class: 'input code-input', rows: 5, spellcheck: 'false', 'aria-describedby': 'action-input-error action-input-help' }));
    area.value = input;
    area.addEventListener('input', () => {
      input = area.value;
      edited = true;
      inputError.hidden = true;
    });
    const inputError = h('p', { class: 'field-error', id: 'action-input-error', 'data-input-error': '', 'aria-live': 'polite', hidden: true });
    const run = h('button', { type: 'submit', class: 'button primary' }, 'Run');
    const result = h('div', { class: 'action-result', 'data-action-result': '', 'aria-live': 'polite', hidden: true });

    const form = h(
      'form',
      { class: 'action-form', novalidate: true },
      hasActions ? null : h('p', { class: 'empty' }, 'This version declares no actions. Type a name to try one anyway.'),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'action-name' }, h('span', { class: 'field-name' }, 'Action')), picker),
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'field-label', for: 'action-input' }, h('span', { class: 'field-name' }, 'Input'), h('span', { class: 'field-type' }, 'JSON')),
        area,
        h('p', { class: 'help', id: 'action-input-help' }, 'Ctrl+Enter runs it. Leave it empty to send no input.'),
        inputError,
      ),
      h('div', { class: 'form-actions' }, run),
      result,
    );

    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const action = picker.value.trim();
      if (!action) {
        picker.focus();
        return;
      }
      let value: unknown;
      try {
        value = area.value.trim() === '' ? undefined : JSON.parse(area.value);
      } catch (error) {
        replace(inputError, `Not valid JSON: ${(error as Error).message}. Nothing was sent.`);
        inputError.hidden = false;
        area.setAttribute('aria-invalid', 'true');
        return;
      }
      area.removeAttribute('aria-invalid');
      run.disabled = true;
      result.dataset.state = 'loading';
      replace(result, h('p', { class: 'muted' }, `Running ${action}…`));
      result.hidden = false;
      const started = performance.now();
      try {
        const mikr0 = await runtime;
        const data = await mikr0.getAction({ registry: root, name: target.name, version: target.version, action, input: value });
        const ms = Math.round(performance.now() - started);
        result.dataset.state = 'ok';
        replace(result, h('p', { class: 'result-head' }, h('strong', {}, 'OK'), ` · ${action} · ${ms} ms`), h('pre', { class: 'code' }, formatJson(data)));
      } catch (error) {
        const failure = error as ActionError;
        result.dataset.state = 'error';
        replace(
          result,
          h('p', { class: 'result-head' }, h('strong', { 'data-error-code': '' }, failure.code ?? 'ERROR'), failure.status ? ` · HTTP ${failure.status}` : ''),
          h('p', { class: 'error-message' }, failure.message),
          failure.details?.length ? h('ul', {}, ...failure.details.map((d) => h('li', {}, h('code', {}, d.path), ` ${d.message}`))) : null,
        );
      } finally {
        run.disabled = false;
      }
    });

    replace(element, h('div', { class: 'panel-head' }, h('h2', { id: 'actions-title' }, 'Actions')), form);
  }

  /**
   * Until the user types, the input is the component's latest data: actions mostly take part
   * of what the component shows (a starter's `like` takes its `count`), so the first Run works.
   */
  function suggest(data: unknown) {
    if (edited || data === undefined || data === null || typeof data !== 'object') return;
    input = formatJson(data);
    if (textarea) textarea.value = input;
  }

  return { element, show, suggest };
}
