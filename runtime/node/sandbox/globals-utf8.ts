/**
 * The UTF-8 codec of a sandbox vm context: what `TextEncoder`, `TextDecoder`
 * (globals-encoding.ts) and URL percent-decoding (globals-search-params.ts) share.
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context, and the `Uint8Array`s it returns are the context's. Intrinsics are captured before
 * any component code runs, so a component that patches `String.prototype.charCodeAt` or
 * `Uint8Array.prototype.slice` changes nothing here.
 */

/** Where a streaming decode stopped: a sequence split across chunks, and whether a BOM was looked for. */
export interface Utf8DecodeState {
  codePoint: number;
  needed: number;
  seen: number;
  lower: number;
  upper: number;
  bomSeen: boolean;
}

export interface ContextUtf8 {
  /** UTF-8 bytes of a string, lone surrogates as U+FFFD. */
  utf8Encode: (input: string) => Uint8Array;
  /** UTF-8 decoding with replacement and no BOM handling (for percent-decoding). */
  utf8Decode: (bytes: Uint8Array) => string;
  newState: () => Utf8DecodeState;
  /**
   * The WHATWG UTF-8 decoder, resumable: `state` carries a sequence split across chunks.
   * A malformed sequence becomes U+FFFD, or throws when `fatal`.
   */
  decode: (bytes: Uint8Array, state: Utf8DecodeState, flush: boolean, fatal: boolean, stripBOM: boolean) => string;
}

export function contextUtf8(): ContextUtf8 {
  'use strict';
  const apply = Reflect.apply;
  const { freeze, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto: object, key: PropertyKey) => uncurry(getOwnPropertyDescriptor(proto, key)!.get!);

  const fromCharCode = String.fromCharCode;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const OwnTypeError = TypeError;
  const U8 = Uint8Array;
  const U16 = Uint16Array;
  const TypedArrayPrototype = getPrototypeOf(U8.prototype);
  const typedArrayLength = getter(TypedArrayPrototype, 'length');
  const typedArraySlice = uncurry(TypedArrayPrototype.slice);
  const typedArraySubarray = uncurry(TypedArrayPrototype.subarray);

  /** Call-site arguments for String.fromCharCode stay well under engine limits. */
  const CHUNK = 8192;

  const utf8Encode = (input: string): Uint8Array => {
    const n = input.length;
    const out = new U8(n * 3);
    let j = 0;
    for (let i = 0; i < n; i++) {
      let c = charCodeAt(input, i);
      if (c < 0x80) {
        out[j++] = c;
        continue;
      }
      if (c < 0x800) {
        out[j++] = 0xc0 | (c >> 6);
        out[j++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < n ? charCodeAt(input, i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[j++] = 0xf0 | (c >> 18);
          out[j++] = 0x80 | ((c >> 12) & 0x3f);
          out[j++] = 0x80 | ((c >> 6) & 0x3f);
          out[j++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[j++] = 0xe0 | (c >> 12);
      out[j++] = 0x80 | ((c >> 6) & 0x3f);
      out[j++] = 0x80 | (c & 0x3f);
    }
    return typedArraySlice(out, 0, j);
  };

  const invalidData = () => {
    const error: any = new OwnTypeError('The encoded data was not valid for encoding utf-8');
    error.code = 'ERR_ENCODING_INVALID_ENCODED_DATA';
    return error;
  };

  const newState = (): Utf8DecodeState => ({ codePoint: 0, needed: 0, seen: 0, lower: 0x80, upper: 0xbf, bomSeen: false });
  // The loop works on locals and writes the state back, since this is the hot path.
  const decode = (bytes: Uint8Array, state: Utf8DecodeState, flush: boolean, fatal: boolean, stripBOM: boolean) => {
    const n = typedArrayLength(bytes);
    // At most one unit per byte, plus one U+FFFD each for a sequence left from the previous
    // chunk and one cut short at the end; a short ASCII run may add up to 63 past CHUNK.
    const units = new U16(n + 2 < CHUNK + 64 ? n + 2 : CHUNK + 64);
    let k = 0;
    let text = '';
    let { codePoint, needed, seen, lower, upper } = state;
    let bomSeen = stripBOM ? state.bomSeen : true;
    const save = () => {
      state.codePoint = codePoint;
      state.needed = needed;
      state.seen = seen;
      state.lower = lower;
      state.upper = upper;
      state.bomSeen = bomSeen;
    };
    for (let i = 0; i <= n; i++) {
      // -1: nothing to emit yet; -2: a malformed sequence.
      let cp = -1;
      if (i === n) {
        if (!flush || needed === 0) break;
        codePoint = needed = seen = 0;
        lower = 0x80;
        upper = 0xbf;
        cp = -2;
      } else {
        const byte = bytes[i];
        if (needed === 0 && byte < 0x80 && bomSeen) {
          // ASCII runs (most of any HTML) skip the state machine: long ones go to
          // String.fromCharCode straight from the input bytes.
          let end = i + 1;
          while (end < n && bytes[end] < 0x80) end++;
          if (end - i >= 64) {
            if (k) text += apply(fromCharCode, undefined, typedArraySubarray(units, 0, k));
            k = 0;
            for (let start = i; start < end; start += CHUNK) {
              text += apply(fromCharCode, undefined, typedArraySubarray(bytes, start, end < start + CHUNK ? end : start + CHUNK));
            }
          } else {
            for (let j = i; j < end; j++) units[k++] = bytes[j];
            if (k >= CHUNK) {
              text += apply(fromCharCode, undefined, typedArraySubarray(units, 0, k));
              k = 0;
            }
          }
          i = end - 1;
          continue;
        }
        if (needed === 0) {
          if (byte < 0x80) cp = byte;
          else if (byte >= 0xc2 && byte <= 0xdf) {
            needed = 1;
            codePoint = byte & 0x1f;
          } else if (byte >= 0xe0 && byte <= 0xef) {
            if (byte === 0xe0) lower = 0xa0;
            else if (byte === 0xed) upper = 0x9f;
            needed = 2;
            codePoint = byte & 0xf;
          } else if (byte >= 0xf0 && byte <= 0xf4) {
            if (byte === 0xf0) lower = 0x90;
            else if (byte === 0xf4) upper = 0x8f;
            needed = 3;
            codePoint = byte & 0x7;
          } else cp = -2;
        } else if (byte < lower || byte > upper) {
          // The byte that broke the sequence may start the next one, so it is read again.
          codePoint = needed = seen = 0;
          lower = 0x80;
          upper = 0xbf;
          i--;
          cp = -2;
        } else {
          lower = 0x80;
          upper = 0xbf;
          codePoint = (codePoint << 6) | (byte & 0x3f);
          if (++seen === needed) {
            cp = codePoint;
            codePoint = needed = seen = 0;
          }
        }
      }
      if (cp === -1) continue;
      if (cp === -2) {
        if (fatal) {
          save();
          throw invalidData();
        }
        cp = 0xfffd;
      }
      if (!bomSeen) {
        bomSeen = true;
        if (cp === 0xfeff) continue;
      }
      if (cp > 0xffff) {
        cp -= 0x10000;
        units[k++] = 0xd800 | (cp >> 10);
        units[k++] = 0xdc00 | (cp & 0x3ff);
      } else units[k++] = cp;
      if (k >= CHUNK) {
        text += apply(fromCharCode, undefined, typedArraySubarray(units, 0, k));
        k = 0;
      }
    }
    save();
    return k ? text + apply(fromCharCode, undefined, typedArraySubarray(units, 0, k)) : text;
  };

  const utf8Decode = (bytes: Uint8Array): string => decode(bytes, newState(), true, false, false);

  return freeze({ utf8Encode, utf8Decode, newState, decode });
}
