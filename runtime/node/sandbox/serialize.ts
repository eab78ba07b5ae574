/**
 * Strict JSON for loader and action results.
 *
 * `JSON.stringify` quietly drops functions and symbols (or turns them into `null`) and
 * answers `undefined` for a top-level function, which the render path would then splice
 * into its payload as-is. `strictStringify` refuses instead, naming the offending value:
 * `the result is not JSON: data.items[2].onClick is a function`.
 *
 * `createStrictStringify` must stay self-contained: the sandbox evaluates its source text
 * inside each component's vm context (no imports, no closures over module scope) and calls it
 * once, before any component code runs, so the intrinsics it captures are the context's own,
 * unpatched; its helpers are made once, not per call (results are serialised on every render).
 * The text is assembled here, with syntax only, and the one intrinsic whose output is spliced
 * in (`JSON.stringify` of a string) is still checked to have produced a single well-formed
 * string token. The function it returns is re-entrant (a `toJSON` may log, and logging
 * serialises).
 *
 * Recursion is bounded by the depth limit (512, as `MAX_JSON_DEPTH` in ../json-limits.ts;
 * hard-coded because this function cannot import).
 */
export function createStrictStringify(): (value: unknown) => string {
  'use strict';
  const MAX_DEPTH = 512;
  const stringify = JSON.stringify;
  const keysOf = Object.keys;
  const getPrototypeOf = Object.getPrototypeOf;
  const isArray = Array.isArray;
  const apply = Reflect.apply;
  const Failure = TypeError;
  // Boxed primitives serialise as the primitive, as JSON.stringify does; these read the slot.
  const unboxers = [Number.prototype.valueOf, String.prototype.valueOf, Boolean.prototype.valueOf, BigInt.prototype.valueOf];

  /** Objects on the path from the root to the value being written, for cycle detection. */
  let ancestors: Record<number, unknown> = { __proto__: null } as any;
  /** The key or index at each depth of that path, for error messages. */
  let path: Record<number, string | number> = { __proto__: null } as any;
  /** Text written so far: `done` in flat pieces, `out` the piece being built (see `settle`). */
  let done = '';
  let out = '';

  const isHex = (c: string) => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

  /** True when `t` is exactly one JSON string token: quoted, no raw quote or control character, valid escapes. */
  const isStringToken = (t: unknown): boolean => {
    if (typeof t !== 'string') return false;
    const end = t.length - 1;
    if (end < 1 || t[0] !== '"' || t[end] !== '"') return false;
    for (let i = 1; i < end; i++) {
      const c = t[i];
      if (c === '"' || c < ' ') return false;
      if (c !== '\\') continue;
      const e = t[++i];
      if (i >= end) return false;
      if (e === 'u') {
        if (i + 4 >= end || !isHex(t[i + 1]) || !isHex(t[i + 2]) || !isHex(t[i + 3]) || !isHex(t[i + 4])) return false;
        i += 4;
      } else if (e !== '"' && e !== '\\' && e !== '/' && e !== 'b' && e !== 'f' && e !== 'n' && e !== 'r' && e !== 't') {
        return false;
      }
    }
    return true;
  };

  const quote = (s: string): string => {
    // Most strings need no escaping: one scan, and they are quoted without any intrinsic.
    let plain = true;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c < ' ' || c === '"' || c === '\\' || (c >= '\ud800' && c <= '\udfff')) {
        plain = false;
        break;
      }
    }
    if (plain) return '"' + s + '"';
    const token = stringify(s);
    if (!isStringToken(token)) throw new Failure('the result is not JSON: JSON.stringify has been replaced in this context');
    return token;
  };

  const isIdentifier = (k: string) => {
    if (k.length === 0) return false;
    for (let i = 0; i < k.length; i++) {
      const c = k[i];
      const letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$';
      if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
  };

  const fail = (depth: number, problem: string): never => {
    let where = 'data';
    for (let i = 1; i <= depth; i++) {
      const k = path[i];
      where += typeof k === 'number' ? '[' + k + ']' : isIdentifier(k) ? '.' + k : '[' + quote(k) + ']';
    }
    throw new Failure('the result is not JSON: ' + where + ' ' + problem);
  };

  /** The value JSON would write for `v` under `key`: after `toJSON`, boxed primitives unwrapped. */
  const resolve = (v: any, key: string | number): unknown => {
    if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
      const toJSON = v.toJSON;
      if (typeof toJSON === 'function') v = apply(toJSON, v, ['' + key]);
    }
    if (typeof v === 'object' && v !== null && !isArray(v)) {
      // A plain object's prototype is some realm's Object.prototype, whose own prototype is
      // null; only other objects can be boxes, and only they pay for the brand checks.
      const proto = getPrototypeOf(v);
      if (proto !== null && getPrototypeOf(proto) !== null) {
        for (let i = 0; i < 4; i++) {
          try {
            return apply(unboxers[i], v, []);
          } catch {
            // Not this kind of box.
          }
        }
      }
    }
    return v;
  };

  /**
   * Moves `out` to `done` every few kB. Reading one character makes V8 flatten the rope of
   * small appends, so its nodes die young; without this a large result keeps hundreds of
   * thousands of them alive and serialising is several times slower.
   */
  const settle = () => {
    if (out.length >= 8192 && out[0] !== undefined) {
      done += out;
      out = '';
    }
  };

  /** Appends `v` (already resolved, not undefined), which sits at `depth` below the root. */
  const write = (v: unknown, depth: number): void => {
    switch (typeof v) {
      case 'string':
        out += quote(v);
        return;
      case 'number':
        // NaN and ±Infinity become null, as JSON.stringify has them.
        out += v === v && v !== Infinity && v !== -Infinity ? '' + v : 'null';
        return;
      case 'boolean':
        out += v ? 'true' : 'false';
        return;
      case 'function':
      case 'symbol':
      case 'bigint':
        return fail(depth, 'is a ' + typeof v);
    }
    if (v === null) {
      out += 'null';
      return;
    }
    if (depth >= MAX_DEPTH) throw new Failure('the result is not JSON: data is nested deeper than ' + MAX_DEPTH + ' levels');
    // Only the ancestors are compared, so an object shared by two branches is not a cycle.
    for (let i = 0; i < depth; i++) if (ancestors[i] === v) fail(depth, 'is a circular reference');
    ancestors[depth] = v;
    const child = depth + 1;
    if (isArray(v)) {
      out += '[';
      const length = v.length;
      for (let i = 0; i < length; i++) {
        if (i > 0) out += ',';
        path[child] = i;
        const item = resolve(v[i], i);
        if (item === undefined) out += 'null';
        else write(item, child);
        settle();
      }
      out += ']';
    } else {
      out += '{';
      const keys = keysOf(v as object);
      let first = true;
      for (let i = 0; i < keys.length; i++) {
        const key = '' + keys[i];
        path[child] = key;
        const item = resolve((v as any)[key], key);
        if (item === undefined) continue;
        out += (first ? '' : ',') + quote(key) + ':';
        first = false;
        write(item, child);
        settle();
      }
      out += '}';
    }
  };

  return function strictStringify(value: unknown): string {
    // A call from inside a call (a toJSON that logs) keeps the outer call's state. Plain
    // variables, no destructuring: a patched array iterator must not reach this state.
    const outerAncestors = ancestors;
    const outerPath = path;
    const outerDone = done;
    const outerOut = out;
    ancestors = { __proto__: null } as any;
    path = { __proto__: null } as any;
    done = out = '';
    try {
      const root = resolve(value, '');
      if (root === undefined) return 'null';
      write(root, 0);
      return done + out;
    } finally {
      ancestors = outerAncestors;
      path = outerPath;
      done = outerDone;
      out = outerOut;
    }
  };
}

/** For the host (the dev server's own checks, tests): one serialiser made in this realm. */
export const strictStringify = createStrictStringify();
