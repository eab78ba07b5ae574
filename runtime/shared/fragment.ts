/**
 * Server-side composition: a component as HTML a page server puts into its own page before
 * sending it. One `<mikro-component>` element holding the server HTML and, as its last child,
 * the render payload (JSON in a script the browser never runs), so the browser runtime
 * hydrates it without asking for the render again. Links come first: the client module to
 * preload, and the stylesheets, which the browser loads before it paints what follows.
 *
 * Built by the registry (`Accept: text/html`) and by the Node helper (`vite-plugin-mikr0/server`)
 * from the same functions. Nothing from the loader's data or from the request reaches the
 * page unescaped: attributes are entity-escaped, and `<`, `>`, `&`, U+2028 and U+2029 in the
 * inlined JSON are `\u` escapes, so no `</script>` or comment can end the script early.
 */

/** `type` of the script that carries a fragment's payload. */
export const PAYLOAD_TYPE = 'application/mikr0+json';

/** What the page asked for: it becomes the element's attributes, so later changes re-render as usual. */
export interface FragmentRequest {
  name: string;
  /** The version or range asked for (`1.x`); none for the latest. */
  version?: string;
  /** The registry's root URL (`https://registry.example.com`). */
  registry: string;
  parameters?: Record<string, unknown>;
}

/** The render payload without its `html`, which is the element's content instead. */
export interface FragmentPayload {
  name: string;
  version: string;
  src: string;
  css?: string[];
  /** The loader's result as JSON text. */
  data: string;
  html?: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON text made safe inside `<script>`: the same value to JSON.parse, no markup to the HTML parser. */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function attributes(request: FragmentRequest, extra: Record<string, string>): string {
  const values: Record<string, string | undefined> = {
    name: request.name,
    version: request.version || undefined,
    registry: request.registry,
    parameters: request.parameters && Object.keys(request.parameters).length ? JSON.stringify(request.parameters) : undefined,
    ...extra,
  };
  let text = '';
  for (const [key, value] of Object.entries(values)) if (value !== undefined) text += ` ${key}="${escapeHtml(value)}"`;
  return text;
}

/** A rendered component, ready to hydrate. */
export function renderedFragment(request: FragmentRequest, payload: FragmentPayload): string {
  const json =
    `{"name":${JSON.stringify(payload.name)},"version":${JSON.stringify(payload.version)},"src":${JSON.stringify(payload.src)}` +
    `,"data":${payload.data}${payload.css?.length ? `,"css":${JSON.stringify(payload.css)}` : ''}${payload.html !== undefined ? ',"server":true' : ''}}`;
  // The client module starts loading with the page, not once the runtime has run and found it.
  const links =
    `<link rel="modulepreload" href="${escapeHtml(payload.src)}">` +
    (payload.css ?? []).map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  return (
    `${links}<mikro-component${attributes(request, { state: 'rendered' })}>` +
    `${payload.html ?? ''}<script type="${PAYLOAD_TYPE}">${scriptSafeJson(json)}</script></mikro-component>`
  );
}

/**
 * A component that could not be rendered: the failed state the browser runtime shows, with
 * `fallback` (HTML the page server trusts) or the error's message. The runtime tries the
 * render again in the browser.
 */
export function failedFragment(request: FragmentRequest, error: { code: string; message: string }, fallback?: string): string {
  const content = fallback ?? `<p class="mikr0-error" role="alert">${escapeHtml(`${request.name} could not be shown: ${error.message}`)}</p>`;
  return `<mikro-component${attributes(request, { state: 'failed', error: error.code })}>${content}</mikro-component>`;
}
