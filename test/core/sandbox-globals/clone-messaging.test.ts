/**
 * The context globals: structuredClone, MessageChannel, queueMicrotask, DOMException and
 * performance, compared with Node's own.
 */
import { describe, expect, test } from 'vitest';
import { createGlobalsSandbox } from '../sandbox-context.js';
import { expectSame } from './compare.js';

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
