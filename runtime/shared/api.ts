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
  actions: string[];
  plugins: string[];
  dependencies: string[];
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
