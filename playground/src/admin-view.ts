/**
 * The admin view (`#/admin/<tab>`): sign in with an admin token or the admin user, then the
 * registry's tokens, its components' versions (deprecate, unpublish, usage) and its audit log.
 * The credential is checked with `GET /r/whoami` and kept in sessionStorage only.
 */
import { createAdminApi, session, type AdminApi, type WhoAmI } from './admin-api.js';
import { createAuditTab } from './admin-audit.js';
import { createComponentsTab } from './admin-components.js';
import { createTokensTab } from './admin-tokens.js';
import { isMikr0Error, type Api } from './api.js';
import { h, replace } from './dom.js';
import { adminHash, type AdminTab } from './state-url.js';

/** What a tab gets: the signed-in API, who that is, and where its errors go. */
export interface AdminContext {
  api: Api;
  admin: AdminApi;
  who: WhoAmI;
  /** The message to show for a failed call; a 401 (revoked, expired) also signs out. */
  explain(error: unknown): string;
}

const TABS: { tab: AdminTab; title: string }[] = [
  { tab: 'tokens', title: 'Tokens' },
  { tab: 'components', title: 'Components' },
  { tab: 'audit', title: 'Audit log' },
];

export function createAdminView(api: Api) {
  const element = h('div', { class: 'view admin-view', 'data-admin-view': '' });
  let signedIn: { admin: AdminApi; who: WhoAmI } | null = null;
  let tab: AdminTab = 'tokens';
  /** Bumped by every sign-in and sign-out: a late answer for an older one is dropped. */
  let generation = 0;

  async function show(next: AdminTab) {
    tab = next;
    if (signedIn) return showTab();
    const saved = session.read();
    if (!saved) return showSignIn();
    replace(element, h('p', { class: 'muted' }, 'Checking your credential…'));
    await signIn(saved, true);
  }

  async function signIn(credential: string, restoring: boolean, button?: HTMLButtonElement) {
    const ticket = ++generation;
    const admin = createAdminApi(api, credential);
    if (button) button.disabled = true;
    try {
      const who = await admin.whoami();
      if (ticket !== generation) return;
      if (!who.scopes.includes('admin')) {
        session.clear();
        return showSignIn(
          `Signed in as ${who.actor}, but this credential has no admin scope (it has: ${who.scopes.join(', ') || 'none'}). Use an admin token (mikr0 token create --scope admin) or the admin user.`,
        );
      }
      session.save(credential);
      signedIn = { admin, who };
      showTab();
    } catch (error) {
      if (ticket !== generation) return;
      // Refused (revoked, expired): forget it. Unreachable: keep it for the next visit.
      const refused = isMikr0Error(error) && error.status === 401;
      if (restoring && refused) session.clear();
      showSignIn(restoring && refused ? `Signed out: ${(error as Error).message}` : (error as Error).message);
    } finally {
      if (button) button.disabled = false;
    }
  }

  function signOut(message?: string) {
    generation++;
    signedIn = null;
    session.clear();
    showSignIn(message);
  }

  function showSignIn(message?: string) {
    const input = h('input', {
      id: 'admin-credential',
      class: 'input',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'admin-credential-help admin-error',
    });
    const submit = h('button', { type: 'submit', class: 'button primary' }, 'Sign in');
    const error = h('p', { class: 'field-error', id: 'admin-error', 'data-admin-error': '', role: 'alert', hidden: !message }, message ?? '');
    const form = h(
      'form',
      { class: 'panel sign-in', novalidate: true },
      h('div', { class: 'panel-head' }, h('h2', {}, 'Sign in')),
      h(
        'div',
        { class: 'field' },
        h('label', { class: 'field-label', for: 'admin-credential' }, h('span', { class: 'field-name' }, 'Admin token or user:password')),
        input,
        h(
          'p',
          { class: 'help', id: 'admin-credential-help' },
          'A token with the admin scope (',
          h('code', {}, 'mikr0 token create --scope admin'),
          ') or the registry’s admin user. Kept for this tab only, until you sign out or close it.',
        ),
        error,
      ),
      h('div', { class: 'form-actions' }, submit),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const credential = input.value.trim();
      if (!credential) {
        replace(error, 'Paste an admin token, or type the admin user as user:password.');
        error.hidden = false;
        input.focus();
        return;
      }
      error.hidden = true;
      void signIn(credential, false, submit);
    });
    replace(element, title(), form);
    input.focus();
  }

  function showTab() {
    if (!signedIn) return;
    const { admin, who } = signedIn;
    const context: AdminContext = {
      api,
      admin,
      who,
      explain(error) {
        const message = (error as Error).message;
        if (isMikr0Error(error) && error.status === 401) queueMicrotask(() => signOut(`Signed out: ${message}`));
        return message;
      },
    };
    const signOutButton = h('button', { type: 'button', class: 'button small', onclick: () => signOut() }, 'Sign out');
    const nav = h(
      'nav',
      { class: 'tabs', 'aria-label': 'Admin' },
      ...TABS.map(({ tab: id, title: text }) => h('a', { class: 'tab', href: adminHash(id), 'aria-current': id === tab ? 'page' : null, 'data-tab': id }, text)),
    );
    const content = tab === 'tokens' ? createTokensTab(context) : tab === 'components' ? createComponentsTab(context) : createAuditTab(context);
    replace(
      element,
      h(
        'div',
        { class: 'admin-bar' },
        title(),
        h('p', { class: 'signed-in', 'data-signed-in': '' }, 'Signed in as ', h('strong', {}, who.actor), who.tokenId ? ` · token ${who.tokenId}` : '', ' · ', signOutButton),
      ),
      nav,
      content,
    );
    document.title = `Admin · ${TABS.find((t) => t.tab === tab)!.title} · mikr0 playground`;
  }

  return { element, show };
}

function title() {
  return h('h1', { class: 'admin-title' }, 'Registry admin');
}
