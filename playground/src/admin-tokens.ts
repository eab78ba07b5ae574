/** The admin view's Tokens tab: every token, a form that creates one (its secret shown once), revoke. */
import type { NewToken, Scope, TokenInfo } from './admin-api.js';
import type { AdminContext } from './admin-view.js';
import { formatTime, h, replace } from './dom.js';
import { copy } from './snippet.js';

export function createTokensTab({ admin, who, explain }: AdminContext): HTMLElement {
  const list = h('div', { class: 'table-scroll' });
  const listStatus = h('p', { class: 'list-status', role: 'status' }, 'Loading…');
  const created = h('div', { class: 'new-secret', 'data-new-token': '', hidden: true });

  async function load() {
    try {
      const tokens = await admin.tokens();
      replace(listStatus, tokens.length ? `${tokens.length} token${tokens.length === 1 ? '' : 's'}, oldest first` : 'No tokens yet.');
      replace(list, tokens.length ? table(tokens) : null);
    } catch (error) {
      replace(listStatus, h('span', { class: 'text-error' }, explain(error)));
    }
  }

  function table(tokens: TokenInfo[]) {
    return h(
      'table',
      { class: 'admin-table tokens-table' },
      h('thead', {}, h('tr', {}, ...['Label', 'Scopes', 'Names', 'Created', 'Last used', 'Expires', 'Status', ''].map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, ...tokens.map(row)),
    );
  }

  function row(token: TokenInfo) {
    const status = token.revoked ? 'revoked' : token.expired ? 'expired' : 'active';
    const revoke = token.revoked
      ? null
      : h('button', { type: 'button', class: 'button small danger', 'aria-label': `Revoke ${token.label || token.id}`, onclick: () => void revokeToken(token, revoke!) }, 'Revoke');
    return h(
      'tr',
      { 'data-token-id': token.id, 'data-status': status },
      h('td', {}, h('span', { class: 'token-label' }, token.label || '(no label)'), h('span', { class: 'token-id' }, token.id), token.id === who.tokenId ? h('span', { class: 'badge' }, 'you') : null),
      h('td', { 'data-scopes': '' }, token.scopes.join(', ')),
      h('td', { 'data-names': '' }, token.names ? token.names.join(', ') : h('span', { class: 'muted' }, 'every name')),
      h('td', { class: 'when' }, formatTime(token.createdAt)),
      h('td', { class: 'when' }, formatTime(token.lastUsedAt, 'never')),
      h('td', { class: 'when' }, formatTime(token.expiresAt, 'never')),
      h('td', {}, h('span', { class: `status-pill ${status}`, 'data-token-status': '' }, status)),
      h('td', {}, revoke),
    );
  }

  async function revokeToken(token: TokenInfo, button: HTMLButtonElement) {
    const yours = token.id === who.tokenId ? ' It is the token you are signed in with: you will be signed out.' : '';
    if (!confirm(`Revoke the token “${token.label || token.id}”? Whatever uses it is refused from now on.${yours}`)) return;
    button.disabled = true;
    try {
      await admin.revokeToken(token.id);
      await load();
    } catch (error) {
      button.disabled = false;
      replace(listStatus, h('span', { class: 'text-error' }, explain(error)));
    }
  }

  const form = createTokenForm(async (input) => {
    const { token, info } = await admin.createToken(input);
    showSecret(token, info);
    await load();
  }, explain);

  function showSecret(token: string, info: TokenInfo) {
    const code = h('pre', { class: 'code secret', 'data-secret': '', tabindex: '0', 'aria-label': 'The new token' }, token);
    const feedback = h('span', { class: 'copy-feedback', 'aria-live': 'polite' });
    const copyButton = h('button', { type: 'button', class: 'button small', 'aria-label': 'Copy the token', onclick: async () => replace(feedback, await copy(code)) }, 'Copy');
    const done = h('button', { type: 'button', class: 'button ghost small', onclick: () => {
        created.hidden = true;
        replace(created);
      } }, 'Done, I saved it');
    replace(
      created,
      h('p', { class: 'notice warning', role: 'alert' }, h('strong', {}, 'Copy this token now: '), 'it is shown once. The registry keeps only a hash of it; lost, it cannot be shown again (revoke it and create another).'),
      h('div', { class: 'snippet-head' }, h('h3', { class: 'subhead' }, `Token “${info.label || info.id}” (${info.scopes.join(', ')})`), feedback, copyButton),
      code,
      h('div', { class: 'form-actions' }, done),
    );
    created.hidden = false;
  }

  void load();
  return h(
    'div',
    { class: 'admin-tab', 'data-admin-tab': 'tokens' },
    h('section', { class: 'panel', 'aria-labelledby': 'new-token-title' }, h('div', { class: 'panel-head' }, h('h2', { id: 'new-token-title' }, 'New token')), form, created),
    h('section', { class: 'panel', 'aria-labelledby': 'tokens-title' }, h('div', { class: 'panel-head' }, h('h2', { id: 'tokens-title' }, 'Tokens')), listStatus, list),
  );
}

function createTokenForm(create: (input: NewToken) => Promise<void>, explain: (error: unknown) => string) {
  const publish = h('input', { type: 'checkbox', class: 'checkbox', name: 'scope', value: 'publish', checked: true });
  const adminScope = h('input', { type: 'checkbox', class: 'checkbox', name: 'scope', value: 'admin' });
  const label = h('input', { id: 'token-label', class: 'input', type: 'text', autocomplete: 'off', placeholder: 'ci-checkout' });
  const names = h('input', { id: 'token-names', class: 'input', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '@checkout/*, header', 'aria-describedby': 'token-names-help' });
  const expires = h('input', { id: 'token-expires', class: 'input', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '30d', 'aria-describedby': 'token-expires-help' });
  const error = h('p', { class: 'field-error', 'data-form-error': '', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Create token');
  const syncNames = () => {
    // Name patterns limit publish tokens only (the registry refuses them on an admin token).
    names.disabled = adminScope.checked;
  };
  adminScope.addEventListener('change', syncNames);

  const form = h(
    'form',
    { class: 'token-form', novalidate: true },
    h(
      'fieldset',
      { class: 'field scopes' },
      h('legend', { class: 'field-label' }, h('span', { class: 'field-name' }, 'Scopes')),
      h('label', { class: 'field-label check' }, publish, 'publish — publish, deprecate and undeprecate'),
      h('label', { class: 'field-label check' }, adminScope, 'admin — everything, this view included'),
    ),
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'token-label' }, h('span', { class: 'field-name' }, 'Label')), label),
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'field-label', for: 'token-names' }, h('span', { class: 'field-name' }, 'Names')),
      names,
      h('p', { class: 'help', id: 'token-names-help' }, 'Publish tokens only: comma-separated patterns, * matches anything. Empty: every name.'),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { class: 'field-label', for: 'token-expires' }, h('span', { class: 'field-name' }, 'Expires after')),
      expires,
      h('p', { class: 'help', id: 'token-expires-help' }, 'A duration in s, m, h or d (30d). Empty: never.'),
    ),
    error,
    h('div', { class: 'form-actions' }, submit),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const scopes = [publish, adminScope].filter((box) => box.checked).map((box) => box.value as Scope);
    if (scopes.length === 0) {
      replace(error, 'Pick at least one scope.');
      error.hidden = false;
      return;
    }
    const patterns = names.disabled ? [] : names.value.split(',').map((name) => name.trim()).filter(Boolean);
    error.hidden = true;
    submit.disabled = true;
    try {
      await create({
        scopes,
        label: label.value.trim() || undefined,
        names: patterns.length ? patterns : undefined,
        expires: expires.value.trim() || undefined,
      });
      form.reset();
      syncNames();
    } catch (failure) {
      replace(error, explain(failure));
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
