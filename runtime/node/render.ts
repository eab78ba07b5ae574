/**
 * The render path shared by registry-lite and the dev emulator: parameters in, payload
 * out. Where server code comes from and how it is run is the `Executor`'s business
 * (a sandbox pool in the registry, Vite's module runner in dev).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ParametersSchema, RequestHeaders } from '../shared/component.js';
import { badRequest, createError } from '../shared/errors.js';
import { renderedFragment, type FragmentRequest } from '../shared/fragment.js';
import { parseParameters, type RawParameters } from './parameters.js';

/**
 * The URL prefix the server half gives its assets (`import logo from './logo.svg'`): only a
 * request knows the registry's origin, so the render path puts the version's static URL in
 * its place, in the HTML and the data.
 */
export const STATIC_MARKER = '/__mikr0_static__/';

export interface ExecuteJob {
  name: string;
  version: string;
  kind: 'loader' | 'action';
  action?: string;
  parameters?: Record<string, unknown>;
  input?: unknown;
  headers: RequestHeaders;
}

export interface ExecuteResult {
  /** The loader's or action's result as JSON text (`null` for undefined). */
  data: string;
  /** Server HTML from the component's `render(data)`, when it has one. */
  html?: string;
}

export interface Executor {
  run(job: ExecuteJob): Promise<ExecuteResult>;
}

/** What the render path needs to know about one exact, published version. */
export interface RenderTarget {
  name: string;
  version: string;
  parameters?: ParametersSchema;
  /** URL of the client module (`template.js`). */
  src: string;
  /** URLs of stylesheets the client should load with it. */
  css?: string[];
  /** Where the version's static files are (ends with `/`): replaces `STATIC_MARKER`. */
  staticUrl?: string;
}

export interface RenderCore {
  /** Renders one component; resolves to the payload as JSON text. */
  render(target: RenderTarget, raw: RawParameters, headers: IncomingHttpHeaders): Promise<string>;
  /** Renders one component as an HTML fragment for server-side composition (see fragment.ts). */
  fragment(target: RenderTarget, raw: RawParameters, headers: IncomingHttpHeaders, request: FragmentRequest): Promise<string>;
  /** Runs one action; `body` is the parsed request body `{ action, input }`. Resolves to `{ data }` JSON text. */
  action(target: Pick<RenderTarget, 'name' | 'version' | 'staticUrl'>, body: unknown, headers: IncomingHttpHeaders): Promise<string>;
}

/** Request headers as loaders see them: lower-case names, repeated headers joined. */
export function loaderHeaders(headers: IncomingHttpHeaders): RequestHeaders {
  const result: RequestHeaders = {};
  for (const key in headers) {
    const value = headers[key];
    result[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

export function createRenderCore(executor: Executor): RenderCore {
  async function execute(target: RenderTarget, raw: RawParameters, headers: IncomingHttpHeaders) {
    const parameters = parseParameters(target.parameters, raw);
    const result = await executor.run({
      name: target.name,
      version: target.version,
      kind: 'loader',
      parameters,
      headers: loaderHeaders(headers),
    });
    checkData(result.data, `Loader of ${target.name}@${target.version}`);
    // String(): JSON.stringify of anything else may answer undefined, which would be spliced in.
    const html = result.html === undefined ? undefined : String(result.html);
    return { data: withStaticUrl(result.data, target), html: html === undefined ? undefined : withStaticUrl(html, target) };
  }

  return {
    async render(target, raw, headers) {
      const { data, html } = await execute(target, raw, headers);
      // The data is already JSON text: splice it in rather than parse and stringify again.
      let payload = `{"name":${JSON.stringify(target.name)},"version":${JSON.stringify(target.version)},"src":${JSON.stringify(target.src)},"data":${data}`;
      if (html !== undefined) payload += `,"html":${JSON.stringify(html)}`;
      if (target.css?.length) payload += `,"css":${JSON.stringify(target.css)}`;
      return payload + '}';
    },

    async fragment(target, raw, headers, request) {
      const { data, html } = await execute(target, raw, headers);
      return renderedFragment(request, { name: target.name, version: target.version, src: target.src, css: target.css, data, html });
    },

    async action(target, body, headers) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw badRequest('The action body must be a JSON object: { "action": "<name>", "input": <any JSON> }');
      }
      const { action, input } = body as { action?: unknown; input?: unknown };
      if (typeof action !== 'string' || action === '') {
        throw badRequest('The action body needs "action", the name of the action to run: { "action": "<name>", "input": <any JSON> }', [
          { path: 'action', message: 'must be a non-empty string' },
        ]);
      }
      const { data } = await executor.run({
        name: target.name,
        version: target.version,
        kind: 'action',
        action,
        input,
        headers: loaderHeaders(headers),
      });
      checkData(data, `Action "${action}" of ${target.name}@${target.version}`);
      return `{"data":${withStaticUrl(data, target)}}`;
    },
  };
}

/** The marker is plain ASCII with nothing JSON or HTML escapes: a text replace is exact in both. */
function withStaticUrl(text: string, target: Pick<RenderTarget, 'staticUrl'>): string {
  return target.staticUrl !== undefined && text.includes(STATIC_MARKER) ? text.replaceAll(STATIC_MARKER, target.staticUrl) : text;
}

/**
 * The executor promises JSON text. Only its type is checked (re-parsing would cost every
 * render); a missing result, which would otherwise be spliced in as `undefined`, is the
 * executor's failure, not the component's.
 */
function checkData(data: unknown, what: string) {
  if (typeof data === 'string' && data !== '') return;
  throw createError({ status: 500, code: 'INTERNAL_ERROR', message: `${what} produced no JSON data` });
}
