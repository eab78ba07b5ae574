import { serverClient, type ComponentData } from 'vite-plugin-mikr0/runtime';
import type component from './index';
import styles from './card.module.css';
import logo from './logo.svg';

export type CardData = ComponentData<typeof component>;

/** Text safe to put in HTML, between tags or in a quoted attribute: the loader's data may hold `<`, `&` or quotes. */
function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const likeLabel = (likes: number) => `♥ Like (${likes})`;

/**
 * The card's markup, the only one: the server's `render` sends it, the browser's `mount` puts
 * it in the element, and `hydrate` finds it there. Every data value goes through escapeHtml.
 */
export function cardHtml(data: CardData): string {
  return (
    `<article class="${styles.card}">` +
    `<header class="${styles.header}">` +
    `<img class="${styles.logo}" src="${escapeHtml(logo)}" alt="" width="40" height="40" data-testid="logo">` +
    `<h2 class="${styles.greeting}" data-testid="greeting">${escapeHtml(data.greeting)}</h2>` +
    `</header>` +
    `<p class="${styles.meta}">Language <span class="${styles.lang}" data-testid="lang">${escapeHtml(data.lang)}</span>` +
    ` · tone <span class="${styles.tone}">${escapeHtml(data.tone)}</span></p>` +
    `<footer class="${styles.footer}">` +
    `<button type="button" class="${styles.like}" data-testid="like">${escapeHtml(likeLabel(data.count))}</button>` +
    // Empty until the `like` action answers; then the number of likes it returned.
    `<output class="${styles.result}" data-testid="result"></output>` +
    `</footer>` +
    `<p class="${styles.error}" hidden></p>` +
    `</article>`
  );
}

/**
 * Brings the card markup in `element` to life (the server's or mount's, the same nodes kept):
 * the like button's listener. The returned destroy() removes it and empties the element.
 */
export function attachCard(element: HTMLElement, data: CardData): { destroy: () => void } {
  const find = <T extends HTMLElement>(className: string) => element.querySelector<T>(`.${CSS.escape(className)}`)!;
  const button = find<HTMLButtonElement>(styles.like);
  const result = find<HTMLOutputElement>(styles.result);
  const error = find<HTMLParagraphElement>(styles.error);
  const controller = new AbortController();
  let likes = data.count;

  button.addEventListener(
    'click',
    async () => {
      button.disabled = true;
      error.hidden = true;
      try {
        likes = (await serverClient.like({ count: likes })).likes;
        if (controller.signal.aborted) return;
        result.textContent = String(likes);
        button.textContent = likeLabel(likes);
      } catch (cause) {
        if (!controller.signal.aborted) Object.assign(error, { hidden: false, textContent: `Could not like: ${(cause as Error).message}` });
      } finally {
        button.disabled = false;
      }
    },
    { signal: controller.signal },
  );

  return {
    destroy() {
      controller.abort(); // removes the click listener and ignores a like still in flight
      element.replaceChildren();
    },
  };
}
