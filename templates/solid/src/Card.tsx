import { createSignal, Show } from 'solid-js';
import { serverClient, type ComponentData } from 'vite-plugin-mikr0/runtime';
import type component from './index';
import styles from './Card.module.css';
import logo from './logo.svg';

/** What the loader returns, typed from the component itself. */
export type CardProps = ComponentData<typeof component>;

export function Card(props: CardProps) {
  const [likes, setLikes] = createSignal<number | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  async function like() {
    setBusy(true);
    setError(null);
    try {
      // Typed from the `like` action in index.tsx: input { count: number } → { likes: number }.
      const result = await serverClient.like({ count: likes() ?? props.count });
      setLikes(result.likes);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article class={styles.card} classList={{ [styles.formal]: props.tone === 'formal' }}>
      <img class={styles.logo} data-testid="logo" src={logo} alt="" width={48} height={48} />
      <div class={styles.body}>
        <p class={styles.greeting} data-testid="greeting">{props.greeting}</p>
        <p class={styles.meta}>
          Language: <span data-testid="lang">{props.lang}</span>
        </p>
        <div class={styles.actions}>
          {/* on:click (a listener on the button) rather than onClick: Solid delegates onClick to a
              listener on the host page's document that would outlive the component. */}
          <button class={styles.button} data-testid="like" type="button" on:click={like} disabled={busy()}>
            ♥ Like
          </button>
          <output class={styles.result} data-testid="result">{likes() ?? ''}</output>
          <Show when={error()}>
            <span class={styles.error} role="alert">{error()}</span>
          </Show>
        </div>
      </div>
    </article>
  );
}
