/**
 * The context globals (runtime/node/sandbox/globals*.ts): nothing of the host is reachable
 * from them — every prototype chain, constructor and accessor belongs to the context — and
 * patched intrinsics neither reach nor break them.
 */
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { contextGlobals } from '../../../runtime/node/sandbox/globals.js';
import { contextEncoding } from '../../../runtime/node/sandbox/globals-encoding.js';
import { contextUrl } from '../../../runtime/node/sandbox/globals-url.js';
import { contextEvents } from '../../../runtime/node/sandbox/globals-events.js';
import { createGlobalsSandbox, nodeBridge } from '../sandbox-context.js';

/** The `constructor` data property an object sees, found without running any getter. */
function getConstructor(value: object): unknown {
  for (let o: object | null = value; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, 'constructor');
    if (descriptor) return descriptor.value;
  }
  return undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name}`;
  const tag = Object.prototype.toString.call(value);
  const ctor = getConstructor(value as object);
  return `${tag} (constructor ${typeof ctor === 'function' ? ctor.name : String(ctor)})`;
}

describe('nothing of the host is reachable', () => {
  test('every global, prototype, accessor and instance belongs to the context', () => {
    const sandbox = createGlobalsSandbox();
    const contextObjectPrototype = sandbox.run('Object.prototype');
    const contextFunction = sandbox.run('Function');
    const instances = sandbox.run(`(() => {
      const url = new URL('https://user:pw@example.com:8080/a?x=1&x=2#h');
      const channel = new MessageChannel();
      const controller = new AbortController();
      const caught = (fn) => { try { fn(); } catch (e) { return e; } };
      const target = new EventTarget();
      let seenEvent;
      target.addEventListener('x', (e) => { seenEvent = e; });
      target.dispatchEvent(new Event('x'));
      return [
        url, url.searchParams, url.searchParams.getAll('x'), url.searchParams.entries(), url.searchParams.entries().next(),
        url.searchParams.keys(), [...url.searchParams][0], new URLSearchParams({ a: '1' }),
        new TextEncoder(), new TextEncoder().encode('x'), new TextEncoder().encodeInto('x', new Uint8Array(2)),
        new TextDecoder(), new TextDecoder().decode(new Uint8Array([104])),
        channel, channel.port1, channel.port2, controller, controller.signal, AbortSignal.abort(), AbortSignal.abort().reason,
        AbortSignal.any([controller.signal]), AbortSignal.timeout(1), target, seenEvent, new MessageEvent('message', { data: 1 }).ports,
        structuredClone({ a: [new Map([[1, new Set([new Date(0)])]]), /x/g, new Uint8Array(2), new Error('e')] }),
        caught(() => new URL('not a url')), caught(() => atob('*')), caught(() => btoa('\\u20ac')),
        caught(() => structuredClone(() => 1)), caught(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([255]))),
        caught(() => new TextDecoder('latin2')), caught(() => new AbortSignal()), new DOMException('m', 'AbortError'),
        performance, performance.toJSON(),
      ];
    })()`);

    const seen = new Set<unknown>();
    const queue: [unknown, string][] = [[sandbox.globals, 'globals'], ...[...instances].map((v, i): [unknown, string] => [v, `instances[${i}]`])];
    let checked = 0;
    while (queue.length) {
      const [value, path] = queue.shift()!;
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
      seen.add(value);
      checked++;
      // The chain ends at the context's Object.prototype, never the host's. (Null-prototype
      // objects, like Array.prototype[Symbol.unscopables], are let be: their contents are
      // walked like everything else.)
      let last: object = value;
      for (let p = Object.getPrototypeOf(last); p !== null; p = Object.getPrototypeOf(last)) last = p;
      if (last !== contextObjectPrototype && last !== value) throw new Error(`prototype chain leaves the context: ${path}, ${describeValue(value)}`);
      const ctor = getConstructor(value);
      if (typeof ctor === 'function' && ctor.constructor !== contextFunction) {
        throw new Error(`constructor.constructor is not the context's Function: ${path}, ${describeValue(value)}`);
      }
      queue.push([Object.getPrototypeOf(value), `${path}.[[Prototype]]`]);
      for (const key of Reflect.ownKeys(value)) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
        const name = `${path}.${String(key)}`;
        queue.push([descriptor.value, name], [descriptor.get, `${name} (get)`], [descriptor.set, `${name} (set)`]);
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  test("the context's Function cannot compile code, so constructor.constructor leads nowhere", () => {
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`(() => { try { return URL.constructor('return 1')(); } catch (e) { return e.name; } })()`);
    expect(result).toBe('EvalError');
  });

  test('a bridge that throws or answers wrongly surfaces as a context error', () => {
    for (const parseUrl of [
      () => {
        throw new Error('host failure');
      },
      () => ({ href: 'http://x/' }) as unknown as string,
    ]) {
      const sandbox = createGlobalsSandbox({ bridge: { parseUrl } });
      const error = sandbox.run(`(() => { try { new URL('http://a/'); } catch (e) { return e; } })()`);
      expect(error).toBeInstanceOf(sandbox.run('TypeError'));
      expect(error.constructor.constructor).toBe(sandbox.run('Function'));
    }
  });

  test('parts must be evaluated in the context', () => {
    const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
    const inContext = (fn: Function) => vm.runInContext(`(${fn.toString()})`, context);
    expect(() =>
      inContext(contextGlobals)(nodeBridge(), { encoding: contextEncoding, url: inContext(contextUrl), events: inContext(contextEvents) }),
    ).toThrow(/evaluated in this context/);
  });

  test('captured intrinsics: patched prototypes are neither called nor able to break the globals', async () => {
    // The exercise uses only the globals, property access and syntax that looks nothing up;
    // its inputs are made, and its results read, while the intrinsics are intact.
    const exercise = `async (input, patch, restore) => {
      patch();
      const url = new URL('http://a.com/p?x=1#h');
      url.searchParams.append('y', 'é z');
      url.pathname = '/q r';
      url.searchParams.sort();
      const params = new URLSearchParams('b=2&a=1');
      params.sort();
      const bytes = new TextEncoder().encode('h€𝄞');
      const text = new TextDecoder().decode(bytes);
      const base64 = btoa('ab');
      const binary = atob('YWI=');
      const clone = structuredClone(input);
      const target = new EventTarget();
      let events = 0;
      target.addEventListener('e', () => events++);
      target.dispatchEvent(new Event('e'));
      const controller = new AbortController();
      controller.signal.onabort = () => events++;
      controller.abort();
      const message = await new Promise((resolve) => {
        const { port1, port2 } = new MessageChannel();
        port2.onmessage = (e) => { resolve(e.data.v); port2.close(); };
        port1.postMessage({ v: 'msg' });
      });
      const href = url.href, query = params.toString();
      restore();
      return [href, query, Array.from(bytes).join(), text, base64, binary,
        clone.m.get(1)[0], clone.s.has('x'), clone.d.getTime(), clone.u[1], events, message].join('|');
    }`;
    const sandbox = createGlobalsSandbox();
    // The host must not await a context promise while Promise.prototype.then is patched
    // (awaiting one calls its then), so the answer comes back through a callback.
    const result: any = await new Promise((resolve) => sandbox.run(`(done) => (async () => { done(await (async () => {
      let hits = 0;
      const trap = function () { hits++; throw new Error('intercepted'); };
      const patches = [
        [Array.prototype, ['push', 'splice', 'sort', 'slice', 'indexOf', 'forEach', 'map', 'join', 'shift', Symbol.iterator]],
        [String.prototype, ['charCodeAt', 'slice', 'indexOf', 'toLowerCase', 'toWellFormed', 'codePointAt']],
        [Map.prototype, ['get', 'set', 'has', 'forEach']],
        [Set.prototype, ['add', 'has', 'forEach']],
        [Object.getPrototypeOf(Uint8Array.prototype), ['slice', 'set', 'subarray', 'fill']],
        [Function.prototype, ['call', 'apply', 'bind']],
        [Promise.prototype, ['then']],
        [Reflect, ['apply', 'ownKeys']],
        [Object, ['defineProperty', 'freeze', 'keys', 'setPrototypeOf', 'getPrototypeOf', 'create']],
        [JSON, ['parse', 'stringify']],
        [String, ['fromCharCode']],
      ];
      const saved = new Map();
      for (const [target, names] of patches) for (const name of names) saved.set([target, name], target[name]);
      const entries = [...saved];
      const define = Object.defineProperty;
      const patch = () => {
        for (let i = 0; i < entries.length; i++) entries[i][0][0][entries[i][0][1]] = trap;
        define(Array.prototype, '0', { set: trap, configurable: true });
        define(Object.prototype, 'href', { set: trap, get: trap, configurable: true });
      };
      const restore = () => {
        for (let i = 0; i < entries.length; i++) entries[i][0][0][entries[i][0][1]] = entries[i][1];
        delete Array.prototype[0];
        delete Object.prototype.href;
      };
      const input = { m: new Map([[1, [2]]]), s: new Set(['x']), d: new Date(5), u: new Uint8Array([1, 2]) };
      const exercise = ${exercise};
      const outcome = await exercise(input, patch, restore);
      return { outcome, hits, clean: await exercise(input, () => {}, () => {}) };
    })()); })()`)(resolve));
    expect(result.hits).toBe(0);
    expect(result.outcome).toBe(result.clean);
    expect(result.outcome).toBe(
      'http://a.com/q%20r?x=1&y=%C3%A9+z#h|a=1&b=2|104,226,130,172,240,157,132,158|h€𝄞|YWI=|ab|2|true|5|2|2|msg',
    );
  });
});
