import { serverClient, type ComponentData } from 'vite-plugin-mikr0/runtime';
import type component from './index';
import styles from './card.module.css';
import logo from './logo.svg';

export type CardData = ComponentData<typeof component>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, testId?: string) {
  const node = Object.assign(document.createElement(tag), props);
  if (testId) node.setAttribute('data-testid', testId);
  return node;
}

/** Builds the card inside `element`; the returned destroy() removes every node and listener. */
export function createCard(element: HTMLElement, data: CardData): { destroy: () => void } {
  const controller = new AbortController();
  let likes = data.count;

  const greeting = el('h2', { className: styles.greeting, textContent: data.greeting }, 'greeting');
  const header = el('header', { className: styles.header });
  header.append(el('img', { className: styles.logo, src: logo, alt: '', width: 40, height: 40 }, 'logo'), greeting);

  const lang = el('span', { className: styles.lang, textContent: data.lang }, 'lang');
  const tone = el('span', { className: styles.tone, textContent: data.tone });
  const meta = el('p', { className: styles.meta });
  meta.append('Language ', lang, ' · tone ', tone);

  const button = el('button', { type: 'button', className: styles.like, textContent: `♥ Like (${likes})` }, 'like');
  // Empty until the `like` action answers; then the number of likes it returned.
  const result = el('output', { className: styles.result }, 'result');
  const error = el('p', { className: styles.error, hidden: true });
  const footer = el('footer', { className: styles.footer });
  footer.append(button, result);

  button.addEventListener(
    'click',
    async () => {
      button.disabled = true;
      error.hidden = true;
      try {
        likes = (await serverClient.like({ count: likes })).likes;
        if (controller.signal.aborted) return;
        result.textContent = String(likes);
        button.textContent = `♥ Like (${likes})`;
      } catch (cause) {
        if (!controller.signal.aborted) Object.assign(error, { hidden: false, textContent: `Could not like: ${(cause as Error).message}` });
      } finally {
        button.disabled = false;
      }
    },
    { signal: controller.signal },
  );

  const card = el('article', { className: styles.card });
  card.append(header, meta, footer, error);
  element.replaceChildren(card);

  return {
    destroy() {
      controller.abort(); // removes the click listener and ignores a like still in flight
      element.replaceChildren();
    },
  };
}
