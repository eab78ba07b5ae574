/**
 * The web globals built inside a sandbox vm context (runtime/node/sandbox/globals*.ts).
 *
 * Most cases run the same snippet twice — inside the context, with the context-built
 * globals, and in this process with Node's own — and expect the same JSON out.
 */
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { contextGlobals } from '../../runtime/node/sandbox/globals.js';
import { contextEncoding } from '../../runtime/node/sandbox/globals-encoding.js';
import { contextUrl } from '../../runtime/node/sandbox/globals-url.js';
import { contextEvents } from '../../runtime/node/sandbox/globals-events.js';
import { createGlobalsSandbox, nodeBridge, type GlobalsSandbox } from './sandbox-context.js';

/** Helpers both sides get: errors and values come back as plain data. */
const PRELUDE = `
  const attempt = (fn) => {
    try {
      return { value: fn() };
    } catch (e) {
      return { error: { name: e.name, code: e.code, isDOMException: e instanceof DOMException, isTypeError: e instanceof TypeError, isRangeError: e instanceof RangeError } };
    }
  };
  const codePoints = (text) => Array.from(text, (c) => c.codePointAt(0));
  const urlFields = (u) => ({
    href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password,
    host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash,
    params: [...u.searchParams], json: u.toJSON(), string: String(u),
  });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Describes a value's structure, types and shared references, for structuredClone.
  const shape = (root) => {
    const ids = new Map();
    const walk = (v) => {
      if (typeof v === 'bigint') return { bigint: String(v) };
      if (typeof v === 'number') return Object.is(v, -0) ? { number: '-0' } : Number.isNaN(v) ? { number: 'NaN' } : v;
      if (v === undefined) return { undefined: true };
      if (v === null || typeof v !== 'object') return v;
      if (ids.has(v)) return { ref: ids.get(v) };
      const id = ids.size;
      ids.set(v, id);
      const tag = Object.prototype.toString.call(v);
      const proto = Object.getPrototypeOf(v);
      const out = { id, tag, proto: proto && proto.constructor && proto.constructor.name };
      if (Array.isArray(v)) out.length = v.length;
      if (v instanceof Date) out.time = v.getTime();
      if (v instanceof RegExp) Object.assign(out, { source: v.source, flags: v.flags, lastIndex: v.lastIndex });
      if (v instanceof Map) out.entries = [...v].map(([k, x]) => [walk(k), walk(x)]);
      if (v instanceof Set) out.items = [...v].map(walk);
      if (v instanceof ArrayBuffer) out.bytes = Array.from(new Uint8Array(v));
      if (ArrayBuffer.isView(v)) Object.assign(out, { buffer: walk(v.buffer), byteOffset: v.byteOffset, byteLength: v.byteLength });
      if (v instanceof Error) Object.assign(out, { name: v.name, message: v.message, hasStack: typeof v.stack === 'string', own: Object.getOwnPropertyNames(v).sort() });
      if (/Number|String|Boolean|BigInt/.test(tag)) out.primitive = walk(v.valueOf());
      out.props = Object.keys(v).filter((k) => !ArrayBuffer.isView(v)).map((k) => [k, walk(v[k])]);
      return out;
    };
    return walk(root);
  };
`;

function wrap(body: string) {
  return `(async () => { ${PRELUDE}\n${body}\n})().then((value) => JSON.stringify(value === undefined ? null : value))`;
}

/** Runs `body` (a function body that returns JSON-able data) inside and outside. */
async function both(sandbox: GlobalsSandbox, body: string) {
  const inside = JSON.parse(await sandbox.run(wrap(body)));
  const outside = JSON.parse(await vm.runInThisContext(wrap(body)));
  return { inside, outside };
}

async function expectSame(body: string, sandbox = createGlobalsSandbox()) {
  const { inside, outside } = await both(sandbox, body);
  expect(inside).toEqual(outside);
  return inside;
}

const js = (value: unknown) => JSON.stringify(value);

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

describe('TextEncoder', () => {
  const texts = ['', 'hello', 'héllo wörld', '€', '𝄞', 'a😀b', '\ud800', 'a\udc00b', 'end\ud83d', '\udc00\ud800', '😀\ud83d', '\u0000\u007f\u0080\u07ff\u0800\uffff'];
  test.each(texts)('encode(%j)', async (text) => {
    await expectSame(`return Array.from(new TextEncoder().encode(${js(text)}));`);
  });

  test.each([
    ['a€𝄞', 0],
    ['a€𝄞', 1],
    ['a€𝄞', 3],
    ['a€𝄞', 4],
    ['a€𝄞', 7],
    ['a€𝄞', 8],
    ['\ud800x', 4],
    ['😀', 3],
  ] as const)('encodeInto(%j, %i bytes)', async (text, size) => {
    await expectSame(`
      const destination = new Uint8Array(${size});
      const { read, written } = new TextEncoder().encodeInto(${js(text)}, destination);
      return { read, written, bytes: Array.from(destination) };
    `);
  });

  test('encoding, defaults and the context Uint8Array', async () => {
    await expectSame(`
      const encoder = new TextEncoder();
      return [encoder.encoding, encoder.encode().length, Array.from(encoder.encode(undefined)), Array.from(encoder.encode(null)),
        encoder.encode('x') instanceof Uint8Array, Object.prototype.toString.call(encoder),
        attempt(() => encoder.encodeInto('x', new Uint16Array(2)))];
    `);
  });
});

describe('TextDecoder', () => {
  const cases: [number[], object?][] = [
    [[0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e]],
    [[0xff]],
    [[0x80, 0x41]],
    [[0xc0, 0x80]],
    [[0xc2]],
    [[0xe0, 0x80, 0x80]],
    [[0xe0, 0xa0]],
    [[0xed, 0xa0, 0x80]],
    [[0xf4, 0x90, 0x80, 0x80]],
    [[0xf5, 0x80]],
    [[0xf0, 0x9f, 0x98]],
    [[0xe2, 0x82, 0x41]],
    [[0xef, 0xbb, 0xbf, 0x41]],
    [[0xef, 0xbb, 0xbf, 0x41], { ignoreBOM: true }],
    [[0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]],
    [[0xff], { fatal: true }],
    [[0xf0, 0x9f], { fatal: true }],
    [[0xe2, 0x82, 0xac], { fatal: true }],
  ];
  test.each(cases)('decode(%j, %j)', async (bytes, options) => {
    await expectSame(`
      const decoder = new TextDecoder('utf-8', ${js(options ?? {})});
      const result = attempt(() => decoder.decode(new Uint8Array(${js(bytes)})));
      return result.error ? result : codePoints(result.value);
    `);
  });

  test('streaming: every way of splitting a sequence into three chunks', async () => {
    // A BOM, 2-, 3- and 4-byte characters, an incomplete sequence and a stray continuation.
    const bytes = [0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0xe2, 0x82, 0x41, 0x80, 0xf0, 0x9f, 0x98, 0x80];
    const inside = await expectSame(`
      const all = ${js(bytes)};
      const out = [];
      for (let i = 0; i <= all.length; i++) {
        for (let j = i; j <= all.length; j++) {
          const decoder = new TextDecoder();
          const text = decoder.decode(new Uint8Array(all.slice(0, i)), { stream: true })
            + decoder.decode(new Uint8Array(all.slice(i, j)), { stream: true })
            + decoder.decode(new Uint8Array(all.slice(j)));
          out.push(codePoints(text).join(' '));
        }
      }
      return out;
    `);
    expect(new Set(inside).size).toBe(1);
    expect(inside[0]).toBe('233 8364 119070 65533 65 65533 128512');
  });

  test('streaming: flush, reuse and the BOM of each new stream', async () => {
    await expectSame(`
      const decoder = new TextDecoder();
      const parts = [
        decoder.decode(new Uint8Array([0xe2, 0x82]), { stream: true }),
        decoder.decode(),
        decoder.decode(new Uint8Array([0xef, 0xbb]), { stream: true }),
        decoder.decode(new Uint8Array([0xbf, 0x41]), { stream: true }),
        decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x42])),
        decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x43])),
      ];
      const fatal = new TextDecoder('utf-8', { fatal: true });
      fatal.decode(new Uint8Array([0xf0, 0x9f]), { stream: true });
      const streamed = attempt(() => fatal.decode(new Uint8Array([0x98, 0x80])));
      return [parts.map(codePoints), codePoints(streamed.value), attempt(() => {
        fatal.decode(new Uint8Array([0xf0, 0x9f]), { stream: true });
        return fatal.decode();
      })];
    `);
  });

  test('long inputs: ASCII runs, multi-byte characters across internal chunk boundaries', async () => {
    const inside = await expectSame(`
      const text = ('a'.repeat(100) + 'é€😀' + 'b'.repeat(7)).repeat(300) + 'x'.repeat(9000) + '😀' + '\\ud800';
      const bytes = new TextEncoder().encode(text);
      const whole = new TextDecoder().decode(bytes);
      const decoder = new TextDecoder();
      let streamed = '';
      for (let i = 0; i < bytes.length; i += 999) streamed += decoder.decode(bytes.subarray(i, i + 999), { stream: true });
      streamed += decoder.decode();
      const expected = text.slice(0, -1) + '\\ufffd';
      return [bytes.length, whole === expected, streamed === expected, whole.length];
    `);
    expect(inside.slice(1, 3)).toEqual([true, true]);
  });

  test('accepts ArrayBuffer, any typed array and DataView, with offsets', async () => {
    await expectSame(`
      const decoder = new TextDecoder();
      const bytes = new TextEncoder().encode('xhello€y');
      const buffer = bytes.buffer;
      return [
        decoder.decode(buffer),
        decoder.decode(bytes.subarray(1, 6)),
        decoder.decode(new DataView(buffer, 1, 5)),
        decoder.decode(new Uint16Array([0x6968])),
        decoder.decode(new Int8Array(buffer, 6, 3)),
        decoder.decode(),
        decoder.decode(undefined),
        attempt(() => decoder.decode('text')),
        attempt(() => decoder.decode(null)),
        attempt(() => decoder.decode([104])),
      ];
    `);
  });

  test('labels and options', async () => {
    await expectSame(`
      return [' UTF8 ', 'unicode-1-1-utf-8', 'utf-8', 'Utf-8', 'x-unicode20utf8'].map((label) => {
        const d = new TextDecoder(label, { fatal: 1, ignoreBOM: 'yes' });
        return [d.encoding, d.fatal, d.ignoreBOM];
      }).concat([[new TextDecoder().fatal, new TextDecoder().ignoreBOM], attempt(() => new TextDecoder('nope'))]);
    `);
    const sandbox = createGlobalsSandbox();
    // Only UTF-8 here, where Node also knows legacy encodings.
    expect(sandbox.run(`(() => { try { new TextDecoder('utf-16le'); } catch (e) { return e.name + ' ' + e.code; } })()`)).toBe(
      'RangeError ERR_ENCODING_NOT_SUPPORTED',
    );
  });
});

describe('atob and btoa', () => {
  test.each(['', 'hello', 'a', 'ab', 'abc', '\u00ff\u00fe\u0000', '€', 'a\ud800', '<>?~'])('btoa(%j)', async (text) => {
    await expectSame(`return attempt(() => btoa(${js(text)}));`);
  });
  test.each(['aGVsbG8=', 'aGVsbG8', ' aGVs\nbG8= ', 'YQ==', 'YQ', 'YQ=', 'a', 'ab=c', 'ab===', '//79', 'YWJj\tZA==', '€', '', '====', 'Y-Q'])(
    'atob(%j)',
    async (text) => {
      await expectSame(`const r = attempt(() => atob(${js(text)})); return r.error ? r : codePoints(r.value);`);
    },
  );
  test('conversions and missing arguments', async () => {
    await expectSame(`return [attempt(() => atob(null)), attempt(() => atob(undefined)), attempt(() => btoa(12)),
      attempt(() => btoa()), attempt(() => atob())].map((r) => r.error ? { name: r.error.name } : r);`);
  });
  test('errors are InvalidCharacterError DOMExceptions with the platform messages', async () => {
    await expectSame(`
      const message = (fn) => { try { fn(); } catch (e) { return [e.name, e.code, e.message, e instanceof DOMException, e instanceof Error]; } };
      return [message(() => btoa('€')), message(() => atob('*'))];
    `);
  });
});

describe('URL', () => {
  const parses: [string, string?][] = [
    ['https://user:pa ss@EXAMPLE.com:443/a/../b/./c?x=1&y=%20z#frag ment'],
    ['/p/q?r#s', 'http://a.com/x/y'],
    ['../up', 'http://a.com/x/y/z'],
    ['?only', 'http://a.com/path?old#h'],
    ['//other.org/x', 'https://a.com'],
    ['mailto:someone@example.com?subject=hi'],
    ['file:///C:/dir/file.txt'],
    ['file://server/share'],
    ['http://[::1]:8080/'],
    ['http://ÑAND.com/ñ?ñ=ñ#ñ'],
    ['http://a.com:80/'],
    ['ws://a.com:80/'],
    ['web+demo:/.//not-a-host/'],
    ['foo://host/p?q#f'],
    ['data:text/plain,hello world'],
    ['blob:https://a.com/uuid'],
    ['http://a.com/\ud800'],
    ['  http://a.com/ \t\n'],
    ['not a url'],
    ['http://a b/'],
    ['http://[::1/'],
    ['http://a.com:99999/'],
    ['relative', 'not a base'],
    [''],
  ];
  test.each(parses)('new URL(%j, %j)', async (input, base) => {
    await expectSame(`
      const r = attempt(() => urlFields(new URL(${js(input)}${base === undefined ? '' : ', ' + js(base)})));
      return [r, URL.canParse(${js(input)}${base === undefined ? '' : ', ' + js(base)})];
    `);
  });

  test('URL objects as input and base; errors carry the input', async () => {
    await expectSame(`
      const base = new URL('http://a.com/dir/');
      const error = (() => { try { new URL('x y', 'nope'); } catch (e) { return [e.name, e.code, e.message, e.input, e instanceof TypeError]; } })();
      return [new URL(base).href, new URL('file', base).href, attempt(() => new URL()), error, Object.prototype.toString.call(base)];
    `);
  });

  const setters: [string, string, string][] = [
    ['http://a.com/', 'protocol', 'https'],
    ['http://a.com/', 'protocol', 'HTTPS:'],
    ['http://a.com/', 'protocol', 'ftp://ignored'],
    ['http://a.com/', 'protocol', 'foo'],
    ['http://a.com/', 'protocol', '1http'],
    ['http://a.com/', 'protocol', 'ht tp'],
    ['http://a.com:443/', 'protocol', 'https'],
    ['http://u@a.com/', 'protocol', 'file'],
    ['http://a.com/x', 'protocol', 'file'],
    ['file:///x', 'protocol', 'http'],
    ['file://host/x', 'protocol', 'http'],
    ['foo://a/b', 'protocol', 'bar+baz'],
    ['foo://a/b', 'protocol', 'http'],
    ['mailto:x@y', 'protocol', 'news'],
    ['http://a.com/', 'username', 'us er@:/?#ñ'],
    ['http://a.com/', 'password', 'p@ss:w/rd%41'],
    ['http://u:p@a.com/', 'username', ''],
    ['http://u:p@a.com/', 'password', ''],
    ['mailto:x@y', 'username', 'u'],
    ['file:///x', 'username', 'u'],
    ['http://a.com:81/p?q#h', 'host', 'b.org'],
    ['http://a.com:81/p?q#h', 'host', 'b.org:8080'],
    ['http://a.com:81/p', 'host', 'b.org:99999'],
    ['http://a.com:81/p', 'host', 'b.org:'],
    ['http://a.com:81/p', 'host', 'b.org:12ab'],
    ['http://a.com/p', 'host', 'b.org/path?x#y'],
    ['http://a.com/p', 'host', 'b.org\\x'],
    ['http://a.com/p', 'host', ''],
    ['http://a.com/p', 'host', 'ex ample'],
    ['http://a.com/p', 'host', 'evil@b.org'],
    ['http://a.com/p', 'host', '[::1]:81'],
    ['http://a.com/p', 'host', 'ÉXAMPLE.org'],
    ['http://a.com/p', 'host', ':80'],
    ['foo://a:1/x', 'host', ''],
    ['foo://a/x', 'host', ''],
    ['foo:/x', 'host', 'h'],
    ['file://a/x', 'host', 'localhost'],
    ['file://a/x', 'host', 'b.org'],
    ['mailto:x@y', 'host', 'h'],
    ['http://a.com:81/p', 'hostname', 'b.org'],
    ['http://a.com:81/p', 'hostname', 'b.org:80'],
    ['http://a.com/p', 'hostname', '[::2]'],
    ['http://a.com/p', 'hostname', ''],
    ['http://a.com/', 'port', '8080'],
    ['http://a.com:81/', 'port', ''],
    ['http://a.com/', 'port', '80'],
    ['http://a.com/', 'port', '8080abc'],
    ['http://a.com:81/', 'port', 'abc'],
    ['http://a.com/', 'port', '99999'],
    ['http://a.com/', 'port', '0'],
    ['http://a.com/', 'port', '0081'],
    ['file:///x', 'port', '81'],
    ['http://a.com/p?q#h', 'pathname', 'a b/c?d#e'],
    ['http://a.com/p', 'pathname', ''],
    ['http://a.com/p', 'pathname', '\\x\\y'],
    ['http://a.com/a/b', 'pathname', '/../../c/./d'],
    ['http://a.com/p', 'pathname', 'ñ/%41'],
    ['foo://h/p', 'pathname', 'x'],
    ['foo://h/p', 'pathname', ''],
    ['foo:/p', 'pathname', '//x'],
    ['foo:/p', 'pathname', ''],
    ['web+demo:/.//not-a-host/', 'pathname', '/plain'],
    ['mailto:x@y', 'pathname', 'z'],
    ['file:///C:/x', 'pathname', '/D:/y'],
    ['http://a.com/p#h', 'search', '?a=1 2&b=ñ'],
    ['http://a.com/p#h', 'search', 'x#y'],
    ['http://a.com/p?q#h', 'search', ''],
    ['http://a.com/p', 'search', '??x'],
    ['http://a.com/p', 'search', '?'],
    ["http://a.com/p", 'search', "a'b"],
    ["foo://a/p", 'search', "a'b"],
    ['http://a.com/p?q', 'hash', '#x y'],
    ['http://a.com/p#h', 'hash', ''],
    ['http://a.com/p', 'hash', 'ñ#<>`'],
    ['http://a.com/p', 'hash', '##'],
    ['http://a.com/p', 'href', 'https://b.org/x?y#z'],
    ['http://a.com/p', 'href', 'not a url'],
    ['http://a.com/p', 'pathname', 'x\ty\nz'],
  ];
  test.each(setters)('new URL(%j).%s = %j', async (href, property, value) => {
    await expectSame(`
      const url = new URL(${js(href)});
      const result = attempt(() => { url[${js(property)}] = ${js(value)}; });
      return [result, urlFields(url)];
    `);
  });

  test('searchParams is live both ways', async () => {
    await expectSame(`
      const url = new URL('http://a.com/p?a=1&b=2#h');
      const params = url.searchParams;
      const steps = [];
      params.append('c d', 'e&f=g');
      steps.push(url.href);
      params.set('a', '€');
      steps.push(url.href, url.search);
      url.search = '?x=1&x=2';
      steps.push(params.getAll('x'), params.has('a'), params === url.searchParams);
      params.delete('x');
      steps.push(url.href, url.search);
      url.href = 'http://b.org/?q=%7E+1';
      steps.push(params.get('q'), [...params]);
      url.hash = 'z';
      params.sort();
      steps.push(url.href);
      url.search = '';
      steps.push(params.size, url.href);
      const opaque = new URL('data:text ?x=1');
      opaque.searchParams.delete('x');
      steps.push(opaque.href);
      return steps;
    `);
  });

  test('static canParse and toJSON', async () => {
    await expectSame(`return [URL.canParse('http://x'), URL.canParse('x'), URL.canParse('x', 'http://a/'), JSON.stringify({ u: new URL('http://a/b') })];`);
  });

  test('static parse (newer than Node 20) returns null rather than throwing', () => {
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`[URL.parse('/x', 'http://a.com/y').href, URL.parse('nope')]`)).toEqual(['http://a.com/x', null]);
  });
});

describe('URLSearchParams', () => {
  const inits = [
    "'?a=1&b=2&a=3'",
    "'a+b=c%20d&%zz=%E2%82%AC&x&=y&&&z='",
    "'%C3%28=%E2%82&%F0%9F%98%80=%ED%A0%80'",
    "'q=%7e%21%2A+%2B'",
    "'é=ü&\\ud800=1'",
    "{ a: '1', b: 2, c: undefined, [Symbol('s')]: 'x' }",
    "[['a', '1'], ['b', 2]]",
    "new Map([['m', 'v']])",
    "new URLSearchParams('k=v&k=w')",
    "(function* () { yield ['g', 'h']; })()",
    'null',
    '12',
    "[['a']]",
    "[['a', 'b', 'c']]",
    "[1]",
    "''",
  ];
  test.each(inits)('new URLSearchParams(%s)', async (init) => {
    await expectSame(`
      const r = attempt(() => new URLSearchParams(${init}));
      return r.error ? r : [[...r.value], r.value.toString(), r.value.size];
    `);
  });

  test('methods', async () => {
    await expectSame(`
      const p = new URLSearchParams('b=1&a=2&b=3&c=4');
      const out = [];
      p.append('a', 'x y'); out.push(p.toString());
      p.set('b', 'z'); out.push(p.toString());
      p.delete('a', 'x y'); out.push(p.toString());
      out.push(p.has('c'), p.has('c', '4'), p.has('c', '5'), p.get('missing'), p.get('b'), p.getAll('b'));
      p.append('😀', '1'); p.append('\\uffff', '2'); p.append('a', '0'); p.append('A', '0');
      p.sort(); out.push([...p.keys()]);
      p.delete('b'); out.push(p.size, p.toString());
      const seen = [];
      p.forEach(function (value, key, self) { seen.push([key, value, self === p, this.tag]); if (seen.length === 1) p.append('late', 'yes'); }, { tag: 't' });
      out.push(seen);
      out.push([...p.values()], [...p.entries()], Object.prototype.toString.call(p.entries()), Object.prototype.toString.call(p));
      const iterator = p.keys(); p.append('after', '1'); out.push([...iterator].length);
      out.push(attempt(() => p.append('only')), attempt(() => p.get()), attempt(() => p.forEach(1)));
      return out;
    `);
  });

  test('application/x-www-form-urlencoded serialization', async () => {
    await expectSame(`
      const p = new URLSearchParams();
      p.append(" !\\"#$%&'()*+,-./:;<=>?@[\\\\]^_\`{|}~", "€\\n\\r\\t\\u0000é😀");
      p.append('lone', '\\ud800x\\udc00');
      return [p.toString(), [...new URLSearchParams(p.toString())]];
    `);
  });
});

describe('structuredClone', () => {
  const values = [
    "({ a: 1, b: 'x', c: [1, , 3], d: null, e: undefined, f: -0, g: NaN, h: 10n, i: true })",
    "(() => { const o = { name: 'root' }; o.self = o; o.list = [o, { back: o }]; return o; })()",
    "(() => { const shared = { n: 1 }; return { x: shared, y: shared, z: [shared] }; })()",
    'new Date(1700000000000)',
    "(() => { const r = /a+(b)/giu; r.lastIndex = 3; return r; })()",
    '/x/dgimsy',
    "new Map([[{ k: 1 }, new Set([1, 'a'])], ['s', new Map()]])",
    "(() => { const m = new Map(); m.set(m, m); const s = new Set(); s.add(s); return [m, s]; })()",
    "(() => { const buffer = new ArrayBuffer(8); new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8]); return { buffer, view: new Uint8Array(buffer, 2, 4), words: new Int16Array(buffer, 2, 2), dv: new DataView(buffer, 1, 3) }; })()",
    '[new Float64Array([1.5, -2]), new BigInt64Array([1n, -1n]), new Uint8ClampedArray([300]), new Float32Array(0)]',
    "[new Error('e1'), new TypeError('t'), new RangeError('r'), new EvalError('v'), new URIError('u'), new ReferenceError('f'), Object.assign(new SyntaxError('s'), { extra: 1 })]",
    "(() => { class MyError extends Error { constructor() { super('mine'); this.name = 'MyError'; } } return new MyError(); })()",
    "(() => { const e = new Error('no message'); delete e.message; return [e, new Error()]; })()",
    "[Object(1), Object('str'), Object(true), Object(5n)]",
    "(() => { class Point { constructor() { this.x = 1; } get y() { return 2; } } return new Point(); })()",
    "(() => { const o = { get lazy() { return 42; } }; Object.defineProperty(o, 'hidden', { value: 1, enumerable: false }); o[Symbol('s')] = 1; return o; })()",
    "Object.assign([1, 2], { extra: 'x' })",
    'Object.create(null)',
    "({ ['__proto__']: 1, constructor: 'c' })",
    "JSON.parse('{\"__proto__\": {\"polluted\": 1}}')",
    "(() => { const a = []; a[5] = 'x'; return a; })()",
  ];
  test.each(values)('structuredClone(%s)', async (value) => {
    await expectSame(`
      const value = ${value};
      const copy = structuredClone(value);
      return { shape: shape(copy), distinct: copy !== value || typeof value !== 'object', polluted: ({}).polluted };
    `);
  });

  const refused = [
    '() => 1',
    "Symbol('s')",
    '({ f() {} })',
    "[1, Symbol.iterator]",
    'new WeakMap()',
    'new WeakSet()',
    'Promise.resolve()',
    'new WeakRef({})',
    "new Map([[1, () => 2]])",
  ];
  test.each(refused)('structuredClone(%s) throws DataCloneError', async (value) => {
    const inside = await expectSame(`const r = attempt(() => structuredClone(${value})); return r.error ? { name: r.error.name, code: r.error.code, dom: r.error.isDOMException } : 'cloned';`);
    expect(inside.name).toBe('DataCloneError');
  });

  test('platform objects are refused; DOMException is cloned', async () => {
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`[new URL('http://a/'), new URLSearchParams(), new EventTarget(), new AbortController().signal, new Event('x'), new MessageChannel().port1]
      .map((value) => { try { structuredClone(value); return 'cloned'; } catch (e) { return e.name; } })
      .concat((() => { const e = structuredClone(new DOMException('m', 'AbortError')); return [e instanceof DOMException, e.name, e.message, e.code]; })())`);
    expect([...result]).toEqual(['DataCloneError', 'DataCloneError', 'DataCloneError', 'DataCloneError', 'DataCloneError', 'DataCloneError', true, 'AbortError', 'm', 20]);
  });

  test('a transferred ArrayBuffer ends in the copy', async () => {
    await expectSame(`
      const buffer = new Uint8Array([1, 2, 3]).buffer;
      const copy = structuredClone({ buffer }, { transfer: [buffer] });
      return [Array.from(new Uint8Array(copy.buffer)), attempt(() => structuredClone()).error.name];
    `);
    // Node throws a TypeError here; the HTML standard (and browsers) a DataCloneError.
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`(() => { try { structuredClone(1, { transfer: [{}] }); } catch (e) { return e.name; } })()`)).toBe('DataCloneError');
  });
});

describe('Event and EventTarget', () => {
  test('order, once, capture, handleEvent objects and dedupe', async () => {
    await expectSame(`
      const t = new EventTarget();
      const log = [];
      const a = (e) => log.push(['a', e.type, e.target === t]);
      t.addEventListener('x', a);
      t.addEventListener('x', a);
      t.addEventListener('x', { handleEvent(e) { log.push(['object', this !== t, e.type]); } });
      t.addEventListener('x', () => log.push('once'), { once: true });
      t.addEventListener('x', a, true);
      const e = new Event('x', { cancelable: true });
      const first = t.dispatchEvent(e);
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', a);
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', a, { capture: true });
      t.dispatchEvent(new Event('x'));
      return { log, first, after: [e.eventPhase, e.currentTarget, e.target === t, e.composedPath().length] };
    `);
  });

  test('removal and addition during dispatch, preventDefault and stopImmediatePropagation', async () => {
    await expectSame(`
      const t = new EventTarget();
      const log = [];
      const second = () => log.push('second');
      const late = () => log.push('late');
      t.addEventListener('y', () => { log.push('first'); t.removeEventListener('y', second); t.addEventListener('y', late); });
      t.addEventListener('y', second);
      t.addEventListener('y', (e) => { e.preventDefault(); log.push(['active', e.defaultPrevented, e.returnValue]); e.stopImmediatePropagation(); });
      t.addEventListener('y', () => log.push('never'));
      const cancelled = t.dispatchEvent(new Event('y', { cancelable: true }));
      const notCancelable = new Event('y');
      const result = t.dispatchEvent(notCancelable);
      return { log, cancelled, result, prevented: notCancelable.defaultPrevented };
    `);
  });

  test('where Node departs from the DOM standard, the standard is followed', () => {
    // Node reports eventPhase 0 and no currentTarget to every listener after the first, ignores
    // `passive`, and lacks the phase constants on Event.prototype.
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`(() => {
      const t = new EventTarget();
      const log = [];
      const seen = (e) => log.push([e.eventPhase, e.currentTarget === t, e.composedPath().length]);
      t.addEventListener('x', seen);
      t.addEventListener('x', seen, true);
      t.addEventListener('x', (e) => { e.preventDefault(); log.push(['passive', e.defaultPrevented]); }, { passive: true });
      t.addEventListener('x', (e) => log.push(['after passive', e.defaultPrevented]));
      const notPrevented = t.dispatchEvent(new Event('x', { cancelable: true }));
      const viaReturnValue = new Event('y', { cancelable: true });
      viaReturnValue.returnValue = false;
      return JSON.stringify([log, notPrevented, new Event('x').BUBBLING_PHASE, viaReturnValue.defaultPrevented]);
    })()`);
    // Node also ignores assignments to returnValue.
    expect(JSON.parse(result)).toEqual([[[2, true, 1], [2, true, 1], ['passive', false], ['after passive', false]], true, 3, true]);
  });
  test('a signal removes its listeners', async () => {
    await expectSame(`
      const controller = new AbortController();
      const t = new EventTarget();
      const log = [];
      t.addEventListener('z', () => log.push(1), { signal: controller.signal });
      t.dispatchEvent(new Event('z'));
      controller.abort();
      t.dispatchEvent(new Event('z'));
      t.addEventListener('z', () => log.push(2), { signal: controller.signal });
      t.dispatchEvent(new Event('z'));
      return [log, attempt(() => t.addEventListener('z', () => {}, { signal: {} })).error.name];
    `);
  });

  test('Event properties, constants and argument errors', async () => {
    await expectSame(`
      const e = new Event('q', { bubbles: true, cancelable: true, composed: true });
      const t = new EventTarget();
      return [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.isTrusted, e.target, e.srcElement,
        e.returnValue, e.cancelBubble, typeof e.timeStamp, Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE,
        Object.prototype.toString.call(e), Object.prototype.toString.call(t),
        attempt(() => new Event()).error.name, attempt(() => t.dispatchEvent({ type: 'q' })).error.name,
        attempt(() => t.addEventListener('q')).error.name, attempt(() => t.addEventListener('q', 1)).error.name];
    `);
  });

  test('a throwing listener is reported and the others still run', () => {
    const sandbox = createGlobalsSandbox();
    const log = sandbox.run(`(() => {
      const t = new EventTarget();
      const log = [];
      t.addEventListener('x', () => { throw new Error('boom'); });
      t.addEventListener('x', null);
      t.addEventListener('x', () => log.push('ran'));
      log.push(t.dispatchEvent(new Event('x')));
      return log;
    })()`);
    expect([...log]).toEqual(['ran', true]);
    expect(sandbox.logs).toHaveLength(1);
    expect(sandbox.logs[0]).toMatch(/^error: Error: boom/);
  });

  test('re-dispatching an event that is being dispatched throws InvalidStateError', () => {
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`(() => {
      const t = new EventTarget();
      let inner;
      t.addEventListener('x', (e) => { try { t.dispatchEvent(e); } catch (error) { inner = [error.name, error.code]; } });
      t.dispatchEvent(new Event('x'));
      return inner;
    })()`);
    expect([...result]).toEqual(['InvalidStateError', 11]);
  });
});

describe('AbortController and AbortSignal', () => {
  test('abort, reason, onabort and listeners', async () => {
    await expectSame(`
      const controller = new AbortController();
      const signal = controller.signal;
      const log = [];
      signal.onabort = (e) => log.push(['onabort', e.type, e instanceof Event, e.target === signal]);
      signal.addEventListener('abort', () => log.push('listener'));
      const before = [signal.aborted, signal.reason, attempt(() => signal.throwIfAborted())];
      controller.abort();
      controller.abort('again');
      const r = signal.reason;
      return { before, after: signal.aborted, log, reason: [r.name, r.message, r.code, r instanceof DOMException, r instanceof Error],
        thrown: attempt(() => signal.throwIfAborted()), handler: typeof signal.onabort, same: controller.signal === signal,
        tags: [Object.prototype.toString.call(controller), Object.prototype.toString.call(signal)] };
    `);
  });

  test('custom reasons, AbortSignal.abort, AbortSignal.any and the illegal constructor', async () => {
    await expectSame(`
      const controller = new AbortController();
      controller.abort({ why: 'custom' });
      const abortedNow = AbortSignal.abort('now');
      const a = new AbortController(), b = new AbortController();
      const any = AbortSignal.any([a.signal, b.signal]);
      const log = [];
      any.onabort = () => log.push(['any', any.reason]);
      b.abort('b first');
      a.abort('a second');
      const anyAborted = AbortSignal.any([new AbortController().signal, AbortSignal.abort('already')]);
      let thrown;
      try { abortedNow.throwIfAborted(); } catch (e) { thrown = e; }
      return [controller.signal.reason, abortedNow.aborted, abortedNow.reason, AbortSignal.abort().reason.name, thrown,
        log, any.reason, anyAborted.aborted, anyAborted.reason, attempt(() => new AbortSignal()).error];
    `);
  });

  test('AbortSignal.timeout aborts with a TimeoutError', async () => {
    await expectSame(`
      const signal = AbortSignal.timeout(5);
      const before = signal.aborted;
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return [before, signal.aborted, signal.reason.name, signal.reason.message, signal.reason.code];
    `);
  });

  test('AbortSignal.timeout rejects a negative delay', () => {
    // WebIDL's [EnforceRange] makes this a TypeError (Node throws a RangeError).
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`(() => { try { AbortSignal.timeout(-1); } catch (e) { return e.name; } })()`)).toBe('TypeError');
  });

  test('AbortSignal.timeout is absent without the delay bridge op', () => {
    const sandbox = createGlobalsSandbox({ delay: false });
    expect(sandbox.run('typeof AbortSignal.timeout')).toBe('undefined');
    expect(sandbox.run('AbortSignal.abort().aborted')).toBe(true);
  });
});

describe('MessageChannel', () => {
  test('messages arrive in order, as copies, one task each, after microtasks', async () => {
    await expectSame(`
      const { port1, port2 } = new MessageChannel();
      const log = [];
      const done = new Promise((resolve) => {
        port2.onmessage = (e) => {
          log.push(['message', e.data, e instanceof MessageEvent, e.origin, e.lastEventId, e.ports.length, e.target === port2, e.source]);
          if (e.data === 'last') resolve();
        };
      });
      queueMicrotask(() => log.push('microtask'));
      Promise.resolve().then(() => log.push('promise'));
      const payload = { n: 1, nested: [new Date(0)] };
      port1.postMessage(payload);
      payload.n = 2;
      port1.postMessage(null);
      port1.postMessage([1, 2]);
      port2.postMessage('to port1, which is not started');
      port1.postMessage('last');
      log.push('sync');
      await done;
      port1.close();
      port2.close();
      return log;
    `);
  });

  test('addEventListener starts the port; start() delivers what was queued; close() stops delivery', async () => {
    await expectSame(`
      const log = [];
      const a = new MessageChannel();
      const viaListener = new Promise((resolve) => a.port1.addEventListener('message', (e) => resolve(e.data)));
      a.port2.postMessage('listener');
      log.push(await viaListener);

      const b = new MessageChannel();
      b.port2.postMessage('queued 1');
      b.port2.postMessage('queued 2');
      await sleep(10);
      const received = [];
      const both = new Promise((resolve) => b.port1.onmessage = (e) => { received.push(e.data); if (received.length === 2) resolve(); });
      await both;
      log.push(received);

      const c = new MessageChannel();
      c.port1.onmessage = (e) => log.push('after close: ' + e.data);
      c.port2.postMessage('dropped');
      c.port1.close();
      c.port2.postMessage('also dropped');
      await sleep(10);
      for (const port of [a.port1, a.port2, b.port1, b.port2, c.port2]) port.close();
      return log;
    `);
  });

  test('uncloneable data throws at postMessage', async () => {
    await expectSame(`
      const { port1, port2 } = new MessageChannel();
      const result = [attempt(() => port1.postMessage(() => 1)).error.name, attempt(() => port1.postMessage()).error.name];
      port1.close();
      port2.close();
      return result;
    `);
  });

  test("React's scheduling: new MessageChannel() and port.postMessage(null) runs the work as a macrotask", async () => {
    const sandbox = createGlobalsSandbox();
    const order = await sandbox.run(`new Promise((resolve) => {
      const order = [];
      const channel = new MessageChannel();
      const queue = [];
      channel.port1.onmessage = () => { const work = queue.shift(); work(); if (!queue.length) resolve(order); };
      const scheduleWork = (work) => { queue.push(work); channel.port2.postMessage(null); };
      scheduleWork(() => order.push('work 1'));
      scheduleWork(() => order.push('work 2'));
      setTimeout(() => order.push('timeout'), 50);
      Promise.resolve().then(() => order.push('microtask'));
      order.push('sync');
    })`);
    expect([...order]).toEqual(['sync', 'microtask', 'work 1', 'work 2']);
  });

  test('illegal constructors and MessageEvent', async () => {
    await expectSame(`
      const e = new MessageEvent('message', { data: { x: 1 }, origin: 'o', lastEventId: 'l' });
      return [attempt(() => new MessagePort()).error.name, e.type, e.data, e.origin, e.lastEventId, e.source, e.ports.length];
    `);
    // As in browsers (Node differs): ports is a frozen array, and a port says it is a MessagePort.
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`Object.isFrozen(new MessageEvent('message').ports) + ' ' + Object.prototype.toString.call(new MessageChannel().port1)`)).toBe(
      'true [object MessagePort]',
    );
  });
});

describe('queueMicrotask, DOMException, performance', () => {
  test('queueMicrotask runs in order with promise jobs', async () => {
    await expectSame(`
      const log = [];
      queueMicrotask(() => log.push(1));
      Promise.resolve().then(() => log.push(2));
      queueMicrotask(() => { log.push(3); queueMicrotask(() => log.push(5)); });
      Promise.resolve().then(() => log.push(4));
      await sleep(5);
      return [log, attempt(() => queueMicrotask('x')).error.name];
    `);
  });

  test('a throwing microtask is reported', async () => {
    const sandbox = createGlobalsSandbox();
    await sandbox.run(`new Promise((resolve) => { queueMicrotask(() => { throw new Error('micro'); }); queueMicrotask(resolve); })`);
    expect(sandbox.logs[0]).toMatch(/^error: Error: micro/);
  });

  test('DOMException', async () => {
    await expectSame(`
      const e = new DOMException('m', 'SyntaxError');
      const withCause = new DOMException('x', { name: 'AbortError', cause: 1 });
      return [e.name, e.message, e.code, e instanceof Error, String(e), Object.prototype.toString.call(e), e.stack.split('\\n')[0],
        DOMException.SYNTAX_ERR, e.DATA_CLONE_ERR, DOMException.URL_MISMATCH_ERR, new DOMException().name, new DOMException().message,
        new DOMException('x', 'Custom').code, withCause.name, withCause.cause, Object.keys(e), Object.getOwnPropertyNames(e)];
    `);
  });

  test('performance.now is a non-decreasing number of milliseconds', () => {
    const sandbox = createGlobalsSandbox();
    const [a, b, origin] = sandbox.run('[performance.now(), performance.now(), performance.timeOrigin]');
    expect(typeof a).toBe('number');
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(origin - Date.now())).toBeLessThan(60_000);
  });
});
