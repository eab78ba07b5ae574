import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeCompressedParameters } from '../../runtime/node/parameters.js';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../../runtime/shared/json-limits.js';
import { createRenderCore } from '../../runtime/node/render.js';
import { bundle, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
const get = (path: string) => fetch(`${registry.url}${path}`);
const post = (path: string, body: unknown) =>
  fetch(`${registry.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
const put = async (name: string, server: string, mikr0: Record<string, unknown> = {}) => {
  const res = await fetch(`${registry.url}/r/publish/${name}/1.0.0`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${registry.token}` },
    body: (await bundle(name, '1.0.0', server, mikr0)) as Uint8Array<ArrayBuffer>,
  });
  expect(res.status, await res.clone().text()).toBe(201);
};

/** JSON text of `depth` nested arrays; as text, since JSON.stringify would overflow on the deep ones. */
const nestedJson = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const compressed = (json: string) => deflateRawSync(Buffer.from(json)).toString('base64url');

/** After each rejected request: the registry still renders and runs actions. */
async function stillServing() {
  const render = await get('/r/component/echo/1.0.0?a=1');
  expect(render.status).toBe(200);
  expect((await render.json()).data).toEqual({ parameters: { a: '1' } });
  const action = await post('/r/action/echo/1.0.0', { action: 'echo', input: [1] });
  expect(await action.json()).toEqual({ data: { input: [1] } });
}

beforeAll(async () => {
  registry = await startRegistry();
  await put('echo', 'module.exports = { loader: ({ parameters }) => ({ parameters }), actions: { echo: (input) => ({ input }) } };', { actions: ['echo'] });
  await put('typed', 'module.exports = { loader: ({ parameters }) => parameters };', { parameters: { times: { type: 'number' } } });
  // Returns a function: the sandbox's JSON.stringify answers undefined for it.
  await put('fnloader', 'module.exports = { loader: () => () => 1 };');
  await put('method', 'module.exports = { loader: () => ({ fn() {} }) };');
});
afterAll(() => registry.close());

describe('jsonDepthExceeds', () => {
  test.each([
    ['flat', '[1, {"a": 2}]', 2, false],
    ['one level too deep', '[[[1]]]', 2, true],
    ['brackets inside strings do not count', '["[[[[", "{{{{", {"k[": "]]"}]', 2, false],
    ['an escaped quote does not end the string', String.raw`["\"[[[["]`, 1, false],
    ['an escaped backslash does end it', String.raw`["\\", [[1]]]`, 2, true],
    ['objects count as arrays do', '{"a":{"b":{"c":{}}}}', 3, true],
  ])('%s', (_label, text, limit, expected) => {
    expect(jsonDepthExceeds(text, limit)).toBe(expected);
  });

  test('the default limit is 512 levels', () => {
    expect(MAX_JSON_DEPTH).toBe(512);
    expect(jsonDepthExceeds(nestedJson(512))).toBe(false);
    expect(jsonDepthExceeds(nestedJson(513))).toBe(true);
  });
});

describe('request JSON nested too deeply is a 400, not a 500', () => {
  test.each([
    [200_000, 400],
    [600, 400],
    [100, 200],
  ])('action input %i levels deep → %i', async (depth, status) => {
    const res = await post('/r/action/echo/1.0.0', `{"action":"echo","input":${nestedJson(depth)}}`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(status);
    if (status === 400) expect(body.error).toEqual({ code: 'BAD_REQUEST', message: 'The request body nests deeper than 512 levels' });
    else expect(JSON.stringify(body.data.input)).toBe(nestedJson(depth));
    await stillServing();
  });

  test.each([
    ['a component parameter', (deep: string) => `{"components":[{"name":"echo","parameters":{"p":${deep}}}]}`],
    ['shared parameters', (deep: string) => `{"components":[{"name":"echo"}],"parameters":{"p":${deep}}}`],
  ])('batch with %s 200,000 levels deep → 400', async (_label, body) => {
    const res = await post('/r/batch', body(nestedJson(200_000)));
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('The request body nests deeper than 512 levels');
    await stillServing();
  });

  test('a batch parameter 100 levels deep reaches the loader', async () => {
    const res = await post('/r/batch', `{"components":[{"name":"echo","parameters":{"p":${nestedJson(100)}}}]}`);
    const [item] = await res.json();
    expect(item.status).toBe(200);
    expect(JSON.stringify(item.response.data.parameters.p)).toBe(nestedJson(100));
  });

  test('?d= holding JSON 200,000 levels deep → 400 naming d', async () => {
    const res = await get(`/r/component/echo/1.0.0?d=${compressed(`{"p":${nestedJson(200_000)}}`)}`);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message).toBe('Parameter "d" nests deeper than 512 levels');
    await stillServing();
  });

  test('decodeCompressedParameters checks depth before parsing', () => {
    expect(decodeCompressedParameters(compressed(`{"p":${nestedJson(100)}}`))).toEqual({ p: JSON.parse(nestedJson(100)) });
    expect(() => decodeCompressedParameters(compressed(`{"p":${nestedJson(512)}}`))).toThrow(/"d" nests deeper than 512 levels/);
  });

  test('a deep value for a declared parameter is named in the 400, not echoed', async () => {
    const res = await post('/r/batch', `{"components":[{"name":"typed","parameters":{"times":${nestedJson(500)}}}]}`);
    const [item] = await res.json();
    expect(item.status).toBe(400);
    expect(item.response.error.details).toEqual([{ path: 'times', message: '"times" must be a number, got an array' }]);
  });
});

describe('data that is not JSON text never reaches the wire', () => {
  test('the render core refuses data the executor did not produce as text', async () => {
    const core = createRenderCore({ run: async () => ({ data: undefined as unknown as string }) });
    const target = { name: 'card', version: '1.0.0', src: 'https://example.test/card.js' };
    await expect(core.render(target, {}, {})).rejects.toMatchObject({ status: 500, code: 'INTERNAL_ERROR', message: /card@1\.0\.0/ });
    await expect(core.action(target, { action: 'go' }, {})).rejects.toMatchObject({ status: 500, code: 'INTERNAL_ERROR', message: /card@1\.0\.0/ });
  });

  test('a loader returning a function → 500 naming the component', async () => {
    const res = await get('/r/component/fnloader/1.0.0');
    const text = await res.text();
    expect(res.status, text).toBe(500);
    expect(JSON.parse(text).error.message).toMatch(/fnloader@1\.0\.0/);
  });

  test('a batch answers valid JSON with a status per item, whatever one loader returned', async () => {
    const res = await post('/r/batch', { components: [{ name: 'echo', parameters: { a: 1 } }, { name: 'fnloader' }, { name: 'echo' }] });
    const text = await res.text();
    expect(res.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.map((item: any) => item.status)).toEqual([200, 500, 200]);
    expect(body[0].response.data).toEqual({ parameters: { a: 1 } });
    expect(body[1].response.error.message).toMatch(/fnloader@1\.0\.0/);
  });

  // Needs the sandbox to serialise with strictStringify (runtime/node/sandbox/bootstrap.ts):
  // JSON.stringify drops the method and the registry answers {"data":{}}.
  test('a loader returning an object with a method → 500 naming "function"', async () => {
    const res = await get('/r/component/method/1.0.0');
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(500);
    expect(body.error.code).toBe('LOADER_ERROR');
    expect(body.error.message).toBe('Loader of method@1.0.0 failed: the result is not JSON: data.fn is a function');
  });
});
