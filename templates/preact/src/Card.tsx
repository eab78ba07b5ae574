import { useEffect, useRef, useState } from 'preact/hooks';
import { serverClient, type ComponentData } from 'vite-plugin-mikr0/runtime';
import type component from './index';
import styles from './Card.module.css';
import logo from './logo.svg';

export type CardProps = ComponentData<typeof component>;

export function Card({ greeting, lang, count, tone }: CardProps) {
  const [likes, setLikes] = useState(count);
  // Empty until the `like` action answers; then the number of likes it returned.
  const [result, setResult] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  useEffect(() => () => void (mounted.current = false), []);

  async function like() {
    setBusy(true);
    setError(null);
    try {
      const answer = await serverClient.like({ count: likes });
      if (!mounted.current) return; // unmounted while the action ran
      setLikes(answer.likes);
      setResult(answer.likes);
    } catch (cause) {
      if (mounted.current) setError(`Could not like: ${(cause as Error).message}`);
    } finally {
      if (mounted.current) setBusy(false);
    }
  }

  return (
    <article class={styles.card}>
      <header class={styles.header}>
        <img class={styles.logo} src={logo} alt="" width={40} height={40} data-testid="logo" />
        <h2 class={styles.greeting} data-testid="greeting">
          {greeting}
        </h2>
      </header>
      <p class={styles.meta}>
        Language <span class={styles.lang} data-testid="lang">{lang}</span> · tone <span class={styles.tone}>{tone}</span>
      </p>
      <footer class={styles.footer}>
        <button type="button" class={styles.like} onClick={like} disabled={busy} data-testid="like">
          {/* One string, so one text node: the server HTML holds one, and hydration keeps it as it is. */}
          {`♥ Like (${likes})`}
        </button>
        <output class={styles.result} data-testid="result">
          {result}
        </output>
      </footer>
      {error && <p class={styles.error}>{error}</p>}
    </article>
  );
}
