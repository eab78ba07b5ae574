/** What the loader returns and what Card.svelte receives as props. */
export interface CardProps {
  greeting: string;
  lang: 'en' | 'fr' | 'de';
  /** Likes so far: the `count` parameter. */
  count: number;
  tone: 'friendly' | 'formal';
}
