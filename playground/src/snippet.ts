/** The embed snippets: the HTML tag for a page, and the render URL for a backend (curl). */
import { h, replace } from './dom.js';

export interface SnippetTarget {
  name: string;
  version: string;
  parameters: Record<string, unknown>;
  renderUrl: string;
}

export function createSnippets(root: string) {
  const html = codeBlock('HTML', 'Copy the HTML');
  const curl = codeBlock('Server side (curl)', 'Copy the curl command');
  const element = h(
    'section',
    { class: 'panel snippet-panel', 'aria-labelledby': 'snippet-title' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'snippet-title' }, 'Embed')),
    html.element,
    curl.element,
  );
  return {
    element,
    update(target: SnippetTarget) {
      html.set(htmlSnippet(root, target));
      curl.set(`curl ${shellQuote(target.renderUrl)}`);
    },
  };
}

export function htmlSnippet(root: string, { name, version, parameters }: SnippetTarget): string {
  // One attribute group a line: long URLs and JSON wrap where a reader expects.
  const lines = [`<mikro-component name="${attr(name)}" version="${attr(version)}"`, `  registry="${attr(root)}"`];
  if (Object.keys(parameters).length) lines.push(`  parameters='${JSON.stringify(parameters).replace(/&/g, '&amp;').replace(/'/g, '&#39;')}'`);
  return `<script type="module" src="${attr(root)}/r/client.js"></script>\n${lines.join('\n')}></mikro-component>`;
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function codeBlock(title: string, label: string) {
  const code = h('pre', { class: 'code snippet', tabindex: '0', 'aria-label': title });
  const feedback = h('span', { class: 'copy-feedback', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'button small', 'aria-label': label }, 'Copy');
  let timer: ReturnType<typeof setTimeout> | undefined;
  button.addEventListener('click', async () => {
    replace(feedback, await copy(code));
    clearTimeout(timer);
    timer = setTimeout(() => replace(feedback), 3000);
  });
  const element = h('div', { class: 'snippet-block' }, h('div', { class: 'snippet-head' }, h('h3', { class: 'subhead' }, title), feedback, button), code);
  return {
    element,
    set(text: string) {
      code.textContent = text;
      replace(feedback);
    },
  };
}

/** The clipboard when the page may use it; otherwise select the text for Ctrl/Cmd+C. */
export async function copy(code: HTMLElement): Promise<string> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard');
    await navigator.clipboard.writeText(code.textContent ?? '');
    return 'Copied';
  } catch {
    code.focus();
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return `Selected: press ${/Mac|iP(hone|ad)/.test(navigator.userAgent) ? '⌘C' : 'Ctrl+C'}`;
  }
}
