/**
 * Most cases of the context globals' tests run the same snippet twice — inside a sandbox
 * context, with the context-built globals, and in this process with Node's own — and expect
 * the same JSON out.
 */
import vm from 'node:vm';
import { expect } from 'vitest';
import { createGlobalsSandbox, type GlobalsSandbox } from '../sandbox-context.js';

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

/** What `body` answers inside the sandbox alone (where the host's answer differs by Node version). */
export async function insideOnly(body: string, sandbox = createGlobalsSandbox()): Promise<unknown> {
  return JSON.parse(await sandbox.run(wrap(body)));
}

export async function expectSame(body: string, sandbox = createGlobalsSandbox()) {
  const { inside, outside } = await both(sandbox, body);
  expect(inside).toEqual(outside);
  return inside;
}

export const js = (value: unknown) => JSON.stringify(value);
