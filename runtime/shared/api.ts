/**
 * The registry's HTTP API as its clients see it (CONTRACT §5): the shapes of its JSON answers.
 * registry-lite builds them; the browser runtime, the CLI and the playground read them.
 * Errors are the envelope of errors.ts.
 */
import type { ParametersSchema } from './component.js';

/** `GET /r/component/:name/:version?` — one render. */
export interface RenderPayload {
  name: string;
  version: string;
  /** URL of the client module (`template.js`). */
  src: string;
  /** The loader's result. */
  data: unknown;
  /** Server HTML, when the component renders on the server. */
  html?: string;
  /** Stylesheets to load with the client module. */
  css?: string[];
}

/** `POST /r/action/:name/:version` — an action's result. */
export interface ActionResult {
  data: unknown;
}

/** Size and integrity of one file of a bundle, computed by the registry from its bytes. */
export interface FileInfo {
  size: number;
  gzip: number;
  integrity: string;
}

/** One component in `GET /r/components`. */
export interface ComponentSummary {
  name: string;
  latest: string | null;
  description: string;
  versions: string[];
  publishedAt: string;
}

/** `GET /r/components?q=&page=&per_page=`. */
export interface ComponentList {
  components: ComponentSummary[];
  total: number;
  page: number;
  per_page: number;
}

/** One version in `GET /r/components/:name`. */
export interface VersionDetail {
  version: string;
  description: string;
  publishedAt: string;
  deprecated: string | null;
  parameters: ParametersSchema;
  /** The files a browser may load (never the server code). */
  files: Record<string, FileInfo>;
  serverSize: number;
  /** The names of its actions (`actions` is how often they were called). */
  actionNames: string[];
  plugins: string[];
  dependencies: string[];
  /** When it was unpublished (render and static answer 410 since), or null. */
  unpublished: string | null;
  /** Renders and action calls over all time (this replica's unflushed counts included). */
  renders: number;
  actions: number;
  lastRenderedAt: string | null;
  /** The last 30 days with counts, oldest first. */
  usage: { day: string; renders: number; actions: number }[];
}

/** `GET /r/components/:name`. */
export interface ComponentDetail {
  name: string;
  description: string;
  latest: string | null;
  versions: VersionDetail[];
}

/** `PATCH /r/components/:name/:version` with `{ deprecated }`. */
export interface DeprecateResult {
  name: string;
  version: string;
  deprecated: string | null;
}

/** `PUT /r/publish/:name/:version` — 201. */
export interface PublishResult {
  name: string;
  version: string;
  integrity: Record<string, string>;
}

/** `DELETE /r/components/:name/:version` — unpublish (admin). */
export interface UnpublishResult {
  name: string;
  version: string;
  unpublished: string;
}

/** A token as `GET /r/tokens` shows it: never the secret. */
export interface TokenJson {
  id: string;
  label: string;
  scopes: ('publish' | 'admin')[];
  /** Name patterns a publish token is limited to (`*` matches anything); null for every name. */
  names: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  expired: boolean;
  revoked: boolean;
}

/** `POST /r/tokens` — the secret, this once. */
export interface CreatedToken {
  token: string;
  info: TokenJson;
}

/** `GET /r/whoami`. */
export interface WhoAmI {
  actor: string;
  kind: 'admin' | 'token';
  tokenId: string | null;
  scopes: ('publish' | 'admin')[];
  names: string[] | null;
  expiresAt: string | null;
}

/** One entry of `GET /r/audit`. */
export interface AuditEntryJson {
  /** Increasing: newer entries have higher ids. */
  id: number;
  at: string;
  action: 'publish' | 'deprecate' | 'undeprecate' | 'unpublish' | 'token.create' | 'token.revoke' | 'auth.failure';
  /** Who: a token's label (or `token <id>`), `admin "<user>"`, `cli (<os user>)`, or `token <id>`/"unknown" for a failed sign-in. */
  actor: string;
  tokenId: string | null;
  /** The client's address (`local` for the CLI on the database). */
  address: string;
  requestId: string | null;
  name: string | null;
  version: string | null;
  /** A deprecation message, a token's description, why a sign-in failed. */
  detail: string | null;
}

/** `GET /r/audit?since=&until=&action=&name=&limit=&before=` — newest first; `next` is the `before` of the next page. */
export interface AuditPage {
  entries: AuditEntryJson[];
  next: number | null;
}
