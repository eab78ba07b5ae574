import { useState } from 'react';
import { serverClient, type ComponentData } from 'vite-plugin-mikr0/runtime';
import type component from './index';
import styles from './Card.module.css';
import logo from './logo.svg';

/** What the loader returns, typed from the component itself. */
export type CardProps = ComponentData<typeof component>;

export function Card({ greeting, lang, count, tone }: CardProps) {
  const [likes, setLikes] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function like() {
    setBusy(true);
    setError(null);
    try {
      // Typed from the `like` action in index.tsx: input { count: number } → { likes: number }.
      const result = await serverClient.like({ count: likes ?? count });
      setLikes(result.likes);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className={`${styles.card} ${tone === 'formal' ? styles.formal : ''}`}>
      <img className={styles.logo} data-testid="logo" src={logo} alt="" width={48} height={48} />
      <div className={styles.body}>
        <p className={styles.greeting} data-testid="greeting">{greeting}</p>
        <p className={styles.meta}>
          Language: <span data-testid="lang">{lang}</span>
        </p>
        <div className={styles.actions}>
          <button className={styles.button} data-testid="like" type="button" onClick={like} disabled={busy}>
            ♥ Like
          </button>
          <output className={styles.result} data-testid="result">{likes ?? ''}</output>
          {error && <span className={styles.error} role="alert">{error}</span>}
        </div>
      </div>
    </article>
  );
}
