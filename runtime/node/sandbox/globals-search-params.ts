/**
 * `URLSearchParams` for a sandbox vm context (composed by `contextGlobals`): the
 * application/x-www-form-urlencoded list, on its own or behind a URL's `searchParams`.
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. Besides the class, it hands `contextGlobals` what globals-url.ts needs to keep a
 * URL's query and its `searchParams` in step: the live list behind a URLSearchParams, the
 * hook that reports changes to it, and the query parser.
 */
import type { ContextKit } from './globals.js';

export interface ContextSearchParams {
  URLSearchParams: new (init?: unknown) => object;
  /** Tells the objects structuredClone must refuse. */
  isPlatformObject: (value: unknown) => boolean;
  /** The live list (flat: name, value, name, value…) behind a URLSearchParams. */
  pairsOf: (params: object) => any[];
  /** Has every change of `params` reported to `update`, as the serialized query. */
  linkToUrl: (params: object, update: (query: string) => void) => void;
  /** Fills `pairs` from a query string (without its "?"). */
  parseQuery: (pairs: any[], query: string) => void;
}

export function contextSearchParams(utf8Decode: (bytes: Uint8Array) => string, kit: ContextKit): ContextSearchParams {
  'use strict';
  const apply = Reflect.apply;
  const ownKeys = Reflect.ownKeys;
  const { defineProperty, freeze, getPrototypeOf, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const U8 = Uint8Array;
  const encodeURIComponentOwn = encodeURIComponent;
  const arraySplice = uncurry(Array.prototype.splice);
  const arraySort = uncurry(Array.prototype.sort);
  const stringSlice = uncurry(String.prototype.slice);
  const stringIndexOf = uncurry(String.prototype.indexOf);
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const toWellFormed = uncurry((String.prototype as any).toWellFormed);
  const propertyIsEnumerable = uncurry(Object.prototype.propertyIsEnumerable);
  const IteratorPrototype = getPrototypeOf(getPrototypeOf([][Symbol.iterator]()));
  const { list, push, toArray, typeError, missingArgs } = kit;
  /** WebIDL USVString: ToString (which throws for symbols), lone surrogates to U+FFFD. */
  const usv = (value: unknown): string => toWellFormed(`${value}`);

  const HEX = '0123456789ABCDEF';
  const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  const hexValue = (c: number) => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);

  /**
   * Percent-decodes, then reads the bytes as UTF-8 with replacement. Only runs of %XX are
   * decoded as bytes: a raw character never continues a percent-encoded sequence, so the
   * result is what decoding the whole string's bytes would give.
   */
  const percentDecode = (input: string, plusIsSpace: boolean) => {
    let out = '';
    let plain = 0;
    const n = input.length;
    for (let i = 0; i < n; ) {
      const c = charCodeAt(input, i);
      if (c === 0x2b && plusIsSpace) {
        out += stringSlice(input, plain, i) + ' ';
        plain = ++i;
      } else if (c === 0x25 && i + 2 < n && isHex(charCodeAt(input, i + 1)) && isHex(charCodeAt(input, i + 2))) {
        out += stringSlice(input, plain, i);
        const bytes = list();
        while (i + 2 < n && charCodeAt(input, i) === 0x25 && isHex(charCodeAt(input, i + 1)) && isHex(charCodeAt(input, i + 2))) {
          push(bytes, (hexValue(charCodeAt(input, i + 1)) << 4) | hexValue(charCodeAt(input, i + 2)));
          i += 3;
        }
        out += utf8Decode(new U8(bytes));
        plain = i;
      } else i++;
    }
    return plain === 0 ? input : out + stringSlice(input, plain);
  };

  /** application/x-www-form-urlencoded serialization of one name or value. */
  const formEncode = (value: string) => {
    const encoded = encodeURIComponentOwn(value);
    let out = '';
    for (let i = 0; i < encoded.length; i++) {
      const c = charCodeAt(encoded, i);
      if (c === 0x25) {
        const escape = stringSlice(encoded, i, i + 3);
        out += escape === '%20' ? '+' : escape;
        i += 2;
      } else if (c === 0x21 || c === 0x27 || c === 0x28 || c === 0x29 || c === 0x7e) {
        out += '%' + HEX[c >> 4] + HEX[c & 15];
      } else out += encoded[i];
    }
    return out;
  };

  /** Fills `pairs` (flat: name, value, name, value…) from a query string. */
  const parseQuery = (pairs: any[], query: string) => {
    pairs.length = 0;
    const n = query.length;
    for (let start = 0; start < n; ) {
      let end = stringIndexOf(query, '&', start);
      if (end === -1) end = n;
      if (end > start) {
        const eq = stringIndexOf(query, '=', start);
        const split = eq !== -1 && eq < end;
        push(pairs, percentDecode(stringSlice(query, start, split ? eq : end), true));
        push(pairs, split ? percentDecode(stringSlice(query, eq + 1, end), true) : '');
      }
      start = end + 1;
    }
  };
  const serializeQuery = (pairs: any[]) => {
    let out = '';
    for (let i = 0; i < pairs.length; i += 2) {
      out += (i ? '&' : '') + formEncode(pairs[i]) + '=' + formEncode(pairs[i + 1]);
    }
    return out;
  };

  let pairsOf: (params: URLSearchParams) => any[];
  let linkToUrl: (params: URLSearchParams, update: (query: string) => void) => void;
  let isSearchParams: (value: unknown) => boolean;

  class URLSearchParams {
    #pairs = list();
    #update: ((query: string) => void) | null = null;

    constructor(init: unknown = undefined) {
      // WebIDL: null is the string "null", as Node reads it from 24 on (before, it meant no init);
      // the sandbox follows the standard whatever Node the registry runs on.
      if (init === undefined) return;
      if ((typeof init === 'object' && init !== null) || typeof init === 'function') {
        const iterator = (init as any)[Symbol.iterator];
        if (iterator !== undefined && iterator !== null) {
          if (typeof iterator !== 'function') throw typeError('Query pairs must be iterable', 'ERR_ARG_NOT_ITERABLE');
          for (const pair of init as Iterable<unknown>) {
            if ((typeof pair !== 'object' || pair === null) && typeof pair !== 'function') {
              throw typeError('Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE');
            }
            const parts = list();
            for (const part of pair as Iterable<unknown>) push(parts, usv(part));
            if (parts.length !== 2) throw typeError('Each query pair must be an iterable [name, value] tuple', 'ERR_INVALID_TUPLE');
            push(this.#pairs, parts[0]);
            push(this.#pairs, parts[1]);
          }
        } else {
          const names = ownKeys(init as object);
          for (let i = 0; i < names.length; i++) {
            const name = names[i];
            // An enumerable symbol key throws in usv(), as WebIDL's record conversion does.
            if (!propertyIsEnumerable(init, name)) continue;
            push(this.#pairs, usv(name));
            push(this.#pairs, usv((init as any)[name]));
          }
        }
        return;
      }
      const query = usv(init);
      parseQuery(this.#pairs, charCodeAt(query, 0) === 0x3f ? stringSlice(query, 1) : query);
    }

    #changed() {
      if (this.#update) this.#update(serializeQuery(this.#pairs));
    }
    get size() {
      return this.#pairs.length / 2;
    }
    append(name: string, value: string) {
      missingArgs(arguments.length, 2, '"name" and "value"');
      push(this.#pairs, usv(name));
      push(this.#pairs, usv(value));
      this.#changed();
    }
    delete(name: string, value?: string) {
      missingArgs(arguments.length, 1, '"name"');
      const key = usv(name);
      const match = value === undefined ? undefined : usv(value);
      const pairs = this.#pairs;
      for (let i = 0; i < pairs.length; ) {
        if (pairs[i] === key && (match === undefined || pairs[i + 1] === match)) arraySplice(pairs, i, 2);
        else i += 2;
      }
      this.#changed();
    }
    get(name: string) {
      missingArgs(arguments.length, 1, '"name"');
      const key = usv(name);
      const pairs = this.#pairs;
      for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === key) return pairs[i + 1];
      return null;
    }
    getAll(name: string) {
      missingArgs(arguments.length, 1, '"name"');
      const key = usv(name);
      const pairs = this.#pairs;
      const values = list();
      for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === key) push(values, pairs[i + 1]);
      return toArray(values);
    }
    has(name: string, value?: string) {
      missingArgs(arguments.length, 1, '"name"');
      const key = usv(name);
      const match = value === undefined ? undefined : usv(value);
      const pairs = this.#pairs;
      for (let i = 0; i < pairs.length; i += 2) {
        if (pairs[i] === key && (match === undefined || pairs[i + 1] === match)) return true;
      }
      return false;
    }
    set(name: string, value: string) {
      missingArgs(arguments.length, 2, '"name" and "value"');
      const key = usv(name);
      const text = usv(value);
      const pairs = this.#pairs;
      let found = false;
      for (let i = 0; i < pairs.length; ) {
        if (pairs[i] !== key) i += 2;
        else if (found) arraySplice(pairs, i, 2);
        else {
          pairs[i + 1] = text;
          found = true;
          i += 2;
        }
      }
      if (!found) {
        push(pairs, key);
        push(pairs, text);
      }
      this.#changed();
    }
    sort() {
      const pairs = this.#pairs;
      const entries = list();
      for (let i = 0; i < pairs.length; i += 2) push(entries, setPrototypeOf([pairs[i], pairs[i + 1]], null));
      // Array.prototype.sort is stable; names compare by UTF-16 code units, as specified.
      arraySort(entries, (a: string[], b: string[]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (let i = 0; i < entries.length; i++) {
        pairs[2 * i] = entries[i][0];
        pairs[2 * i + 1] = entries[i][1];
      }
      this.#changed();
    }
    forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg: unknown = undefined) {
      if (typeof callback !== 'function') throw typeError('The "callback" argument must be of type function', 'ERR_INVALID_ARG_TYPE');
      // Reads the live list, so entries added by the callback are visited too.
      for (let i = 0; i < this.#pairs.length; i += 2) apply(callback, thisArg, [this.#pairs[i + 1], this.#pairs[i], this]);
    }
    keys() {
      return new ParamsIterator(this, 'keys');
    }
    values() {
      return new ParamsIterator(this, 'values');
    }
    entries() {
      return new ParamsIterator(this, 'entries');
    }
    toString() {
      return serializeQuery(this.#pairs);
    }
    static {
      pairsOf = (params) => params.#pairs;
      linkToUrl = (params, update) => {
        params.#update = update;
      };
      isSearchParams = (value) => typeof value === 'object' && value !== null && #pairs in value;
    }
  }
  defineProperty(URLSearchParams.prototype, Symbol.iterator, {
    value: URLSearchParams.prototype.entries,
    writable: true,
    configurable: true,
  });
  defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true });

  class ParamsIterator {
    #params: URLSearchParams;
    #kind: string;
    #index = 0;
    constructor(params: URLSearchParams, kind: string) {
      this.#params = params;
      this.#kind = kind;
    }
    next() {
      // Index-based over the live list, like the platform's iterators.
      const pairs = pairsOf(this.#params);
      const i = this.#index;
      if (i >= pairs.length) return { value: undefined, done: true };
      this.#index = i + 2;
      const kind = this.#kind;
      const value = kind === 'keys' ? pairs[i] : kind === 'values' ? pairs[i + 1] : [pairs[i], pairs[i + 1]];
      return { value, done: false };
    }
  }
  setPrototypeOf(ParamsIterator.prototype, IteratorPrototype);
  delete (ParamsIterator.prototype as any).constructor;
  defineProperty(ParamsIterator.prototype, Symbol.toStringTag, { value: 'URLSearchParams Iterator', configurable: true });

  return freeze({
    URLSearchParams,
    isPlatformObject: (value: unknown) => isSearchParams(value),
    pairsOf: (params: object) => pairsOf(params as URLSearchParams),
    linkToUrl: (params: object, update: (query: string) => void) => linkToUrl(params as URLSearchParams, update),
    parseQuery,
  });
}
