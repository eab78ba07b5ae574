import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { createStrictStringify, strictStringify } from '../../runtime/node/sandbox/serialize.js';
import { createDevExecutor } from '../../plugin/dev/executor.js';

/** A context like the sandbox's: its own intrinsics, no string code generation. */
function sandboxed() {
  const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false } });
  const stringify = vm.runInContext(`(${createStrictStringify.toString()})()`, context) as typeof strictStringify;
  return { context, stringify, TypeError: vm.runInContext('TypeError', context) as TypeErrorConstructor };
}

/** Source of `depth` nested arrays around 1, built by a loop so the source itself stays short. */
const nested = (depth: number) => `(() => { let v = 1; for (let i = 0; i < ${depth}; i++) v = [v]; return v; })()`;

// Values are written as source and evaluated where they are serialised: in the host for direct
// calls, in the context for the sandboxed copy (values created by component code).
const valid: [string, string, string | null][] = [
  ['a shared, non-cyclic reference', '(() => { const s = { n: 1 }; return { a: s, b: [s, s] }; })()', '{"a":{"n":1},"b":[{"n":1},{"n":1}]}'],
  ['a Date, through toJSON', '({ at: new Date(0) })', '{"at":"1970-01-01T00:00:00.000Z"}'],
  ['undefined properties are dropped', '({ a: undefined, b: { c: undefined }, d: 1 })', '{"b":{},"d":1}'],
  ['undefined array items are null', '[undefined, 1]', '[null,1]'],
  ['NaN and Infinity are null', '({ a: NaN, b: [Infinity, -Infinity], c: -0 })', '{"a":null,"b":[null,null],"c":0}'],
  ['a top-level undefined is null', 'undefined', 'null'],
  ['strings and keys are escaped', String.raw`({ 'a"b\\': 'line\nbreak \u0001 \ud800 😀' })`, null],
  ['boxed primitives are unwrapped', '[new Number(3), new String("ab"), new Boolean(false)]', '[3,"ab",false]'],
  ['symbol keys are ignored', '({ [Symbol("k")]: 1, a: 2 })', '{"a":2}'],
  ['512 levels', nested(512), null],
];

const invalid: [string, string, string][] = [
  ['a method deep inside', '({ items: [0, 1, { onClick() {} }] })', 'data.items[2].onClick is a function'],
  ['an arrow function', '({ fn: () => 1 })', 'data.fn is a function'],
  ['a class', '({ Model: class {} })', 'data.Model is a function'],
  ['a top-level function', '(function loader() {})', 'data is a function'],
  ['a symbol', '({ tag: Symbol("t") })', 'data.tag is a symbol'],
  ['a symbol in an array', '[Symbol()]', 'data[0] is a symbol'],
  ['a bigint', '({ id: 1n })', 'data.id is a bigint'],
  ['a cycle', '(() => { const o = {}; o.self = o; return o; })()', 'data.self is a circular reference'],
  ['a cycle through an array', '(() => { const list = [{}]; list[0].back = list; return { list }; })()', 'data.list[0].back is a circular reference'],
  ['keys that are not identifiers', '({ "a b": { "1x": [{ f() {} }] } })', 'data["a b"]["1x"][0].f is a function'],
  ['toJSON returning a function', '({ x: { toJSON() { return () => 1; } } })', 'data.x is a function'],
  ['513 levels', nested(513), 'data is nested deeper than 512 levels'],
  ['600 levels', nested(600), 'data is nested deeper than 512 levels'],
  ['200,000 levels, without overflowing the stack', nested(200_000), 'data is nested deeper than 512 levels'],
];

describe('strictStringify', () => {
  describe.each([
    ['called directly', () => ({ stringify: strictStringify, evaluate: (source: string) => vm.runInThisContext(source), TypeError })],
    ['evaluated in a vm context', () => {
      const { context, stringify, TypeError } = sandboxed();
      return { stringify, evaluate: (source: string) => vm.runInContext(source, context), TypeError };
    }],
  ])('%s', (_label, setup) => {
    const { stringify, evaluate, TypeError: ContextTypeError } = setup();

    test.each(valid)('%s', (_name, source, expected) => {
      const value = evaluate(source);
      const text = stringify(value);
      expect(text).toBe(expected ?? JSON.stringify(value));
      expect(() => JSON.parse(text)).not.toThrow();
    });

    test.each(invalid)('%s → TypeError', (_name, source, where) => {
      const value = evaluate(source);
      let thrown: any;
      try {
        stringify(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ContextTypeError);
      expect(thrown.message).toBe(`the result is not JSON: ${where}`);
    });
  });

  test('a serialisation inside a serialisation (a toJSON that logs) leaves the outer one intact', () => {
    const { context, stringify } = sandboxed();
    vm.runInContext(`Array.prototype[Symbol.iterator] = function* () { yield '"injected":1}'; }`, context);
    const value = vm.runInContext('({ a: [1, 2], b: { toJSON() { return globalThis.inner([{ c: 3 }]); } }, d: "e" })', context);
    (context as any).inner = (v: unknown) => stringify(v);
    expect(stringify(value)).toBe('{"a":[1,2],"b":"[{\\"c\\":3}]","d":"e"}');
  });

  test('intrinsics patched by component code change nothing it writes', () => {
    const { context, stringify } = sandboxed();
    vm.runInContext(
      `
      Object.defineProperty(Object.prototype, '0', { set() { throw new Error('internal state went through a prototype'); } });
      Object.defineProperty(Array.prototype, '1', { set() { throw new Error('internal state went through a prototype'); } });
      // Patched halfway through a serialisation: the copies taken at the start are used.
      globalThis.midway = { get a() { JSON.stringify = () => '1,"src":"https://evil.example"'; return 'say "hi"'; } };
      `,
      context,
    );
    expect(stringify(vm.runInContext('midway', context))).toBe('{"a":"say \\"hi\\""}');
    // Patched before the call: the serialiser took its intrinsics when it was made, before any
    // component code ran, so the patches change nothing.
    expect(stringify(vm.runInContext('({ a: "plain", b: [1, true, null] })', context))).toBe('{"a":"plain","b":[1,true,null]}');
    expect(stringify(vm.runInContext('({ a: "needs\\nescaping" })', context))).toBe('{"a":"needs\\nescaping"}');
    vm.runInContext(`Object.keys = () => ['x'], Array.isArray = () => false;`, context);
    expect(JSON.parse(stringify(vm.runInContext('({ x: [1, 2], y: 3 })', context)))).toEqual({ x: [1, 2], y: 3 });
  });
});

describe('the dev executor serialises results as the sandbox does', () => {
  const job = { name: 'card', version: '1.0.0', kind: 'loader' as const, parameters: {}, headers: {} };
  // The dev executor runs jobs in a registry sandbox context; a stand-in runner hands it the definition.
  const run = async (loader: () => unknown) => {
    const runner = { import: async () => ({ default: { loader } }), clearCache() {}, close: async () => {} };
    const executor = createDevExecutor({
      name: 'card',
      version: '1.0.0',
      entry: '/src/index.ts',
      createRunner: () => runner as any,
      plugins: {},
      timeout: 5000,
      fetch: undefined,
      maxResultBytes: 1024 * 1024,
      logger: { info() {}, warn() {}, error() {} },
    });
    try {
      return await executor.run(job);
    } finally {
      await executor.close();
    }
  };

  test('a loader returning a function in its data → 500 naming the type and where it is', async () => {
    await expect(run(() => ({ fn() {} }))).rejects.toMatchObject({
      status: 500,
      code: 'LOADER_ERROR',
      message: 'Loader of card@1.0.0 failed: the result is not JSON: data.fn is a function',
    });
  });

  test('a loader returning nothing gives data null', async () => {
    expect(await run(() => undefined)).toEqual({ data: 'null', html: undefined });
  });

  test('a loader returning a function gives an error, not data undefined', async () => {
    await expect(run(() => () => 1)).rejects.toMatchObject({ status: 500, message: /data is a function/ });
  });
});
