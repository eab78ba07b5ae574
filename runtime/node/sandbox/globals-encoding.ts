/**
 * UTF-8 and base64 for a sandbox vm context: `TextEncoder`, `TextDecoder`, `atob`, `btoa`.
 *
 * Like `contextGlobals` (globals.ts), `contextEncoding` is never called in the host: its
 * source text is evaluated inside the context, and `contextGlobals` calls the result with
 * its `DOMException` class. So it must stay self-contained (no imports, nothing from module
 * scope), and everything it hands out is built from the context's own intrinsics: the
 * `Uint8Array`s it returns are the context's, so their `constructor.constructor` is the
 * context's `Function`.
 *
 * Intrinsics are captured before any component code runs, so a component that patches
 * `String.prototype.charCodeAt` or `Uint8Array.prototype.slice` changes nothing here.
 */
export interface ContextEncoding {
  TextEncoder: unknown;
  TextDecoder: unknown;
  atob: (data: string) => string;
  btoa: (data: string) => string;
  /** UTF-8 bytes of a string, lone surrogates as U+FFFD. */
  utf8Encode: (input: string) => Uint8Array;
  /** UTF-8 decoding with replacement and no BOM handling (for percent-decoding). */
  utf8Decode: (bytes: Uint8Array) => string;
}

export function contextEncoding(DOMException: new (message?: string, name?: string) => Error): ContextEncoding {
  'use strict';
  const apply = Reflect.apply;
  const { defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto: object, key: PropertyKey) => uncurry(getOwnPropertyDescriptor(proto, key)!.get!);

  const fromCharCode = String.fromCharCode;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const OwnTypeError = TypeError;
  const OwnRangeError = RangeError;
  const U8 = Uint8Array;
  const U16 = Uint16Array;
  const TypedArrayPrototype = getPrototypeOf(U8.prototype);
  const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
  const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
  const typedArrayByteLength = getter(TypedArrayPrototype, 'byteLength');
  const typedArrayLength = getter(TypedArrayPrototype, 'length');
  const typedArraySlice = uncurry(TypedArrayPrototype.slice);
  const typedArraySubarray = uncurry(TypedArrayPrototype.subarray);
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewLength = getter(DataView.prototype, 'byteLength');
  const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
  const sharedBufferLength =
    typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

  // Internal lists have no prototype, so a patched Array.prototype (an index setter, say)
  // never sees what passes through them.
  const list = (): any[] => setPrototypeOf([], null);

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

  /** Views any BufferSource as a Uint8Array without copying. */
  const bytesOf = (input: unknown): Uint8Array => {
    if (typedArrayName(input) !== undefined) {
      return new U8(typedArrayBuffer(input), typedArrayOffset(input), typedArrayByteLength(input));
    }
    // The brand-checking getters throw for anything else, which is how we tell the kinds apart.
    try {
      return new U8(dataViewBuffer(input), dataViewOffset(input), dataViewLength(input));
    } catch {}
    try {
      arrayBufferLength(input);
      return new U8(input as ArrayBuffer);
    } catch {}
    if (sharedBufferLength) {
      try {
        sharedBufferLength(input);
        return new U8(input as SharedArrayBuffer);
      } catch {}
    }
    const error: any = new OwnTypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  };

  const invalidData = () => {
    const error: any = new OwnTypeError('The encoded data was not valid for encoding utf-8');
    error.code = 'ERR_ENCODING_INVALID_ENCODED_DATA';
    return error;
  };

  /**
   * The WHATWG UTF-8 decoder, resumable: `state` carries a sequence split across chunks.
   * Returns the decoded text; a malformed sequence becomes U+FFFD, or throws when `fatal`.
   * The loop works on locals and writes the state back, since this is the hot path.
   */
  interface DecodeState {
    codePoint: number;
    needed: number;
    seen: number;
    lower: number;
    upper: number;
    bomSeen: boolean;
  }
  const newState = (): DecodeState => ({ codePoint: 0, needed: 0, seen: 0, lower: 0x80, upper: 0xbf, bomSeen: false });
  const decodeUtf8 = (bytes: Uint8Array, state: DecodeState, flush: boolean, fatal: boolean, stripBOM: boolean) => {
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

  const utf8Decode = (bytes: Uint8Array): string => decodeUtf8(bytes, newState(), true, false, false);

  // Every label the Encoding Standard gives UTF-8.
  const UTF8_LABELS = ['unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'utf-8', 'utf8', 'x-unicode20utf8'];
  const isUtf8Label = (label: string) => {
    // ASCII whitespace around a label is allowed; case is not significant.
    let start = 0;
    let end = label.length;
    const space = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
    while (start < end && space(charCodeAt(label, start))) start++;
    while (end > start && space(charCodeAt(label, end - 1))) end--;
    let lower = '';
    for (let i = start; i < end; i++) {
      const c = charCodeAt(label, i);
      lower += fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    }
    for (let i = 0; i < UTF8_LABELS.length; i++) if (UTF8_LABELS[i] === lower) return true;
    return false;
  };

  class TextEncoder {
    get encoding() {
      return 'utf-8';
    }
    encode(input: unknown = '') {
      return utf8Encode(`${input}`);
    }
    encodeInto(source: unknown, destination: Uint8Array) {
      const text = `${source}`;
      if (typedArrayName(destination) !== 'Uint8Array') {
        const error: any = new OwnTypeError('The "dest" argument must be an instance of Uint8Array');
        error.code = 'ERR_INVALID_ARG_TYPE';
        throw error;
      }
      const room = typedArrayLength(destination);
      const n = text.length;
      let read = 0;
      let written = 0;
      // Only whole characters are written: a character that does not fit ends the copy.
      while (read < n) {
        let c = charCodeAt(text, read);
        let units = 1;
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = read + 1 < n ? charCodeAt(text, read + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            units = 2;
          } else c = 0xfffd;
        }
        const size = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
        if (written + size > room) break;
        if (size === 1) destination[written] = c;
        else if (size === 2) {
          destination[written] = 0xc0 | (c >> 6);
          destination[written + 1] = 0x80 | (c & 0x3f);
        } else if (size === 3) {
          destination[written] = 0xe0 | (c >> 12);
          destination[written + 1] = 0x80 | ((c >> 6) & 0x3f);
          destination[written + 2] = 0x80 | (c & 0x3f);
        } else {
          destination[written] = 0xf0 | (c >> 18);
          destination[written + 1] = 0x80 | ((c >> 12) & 0x3f);
          destination[written + 2] = 0x80 | ((c >> 6) & 0x3f);
          destination[written + 3] = 0x80 | (c & 0x3f);
        }
        written += size;
        read += units;
      }
      return { read, written };
    }
  }
  defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: 'TextEncoder', configurable: true });

  class TextDecoder {
    #fatal: boolean;
    #ignoreBOM: boolean;
    #state = newState();
    #doNotFlush = false;

    constructor(label: unknown = 'utf-8', options: { fatal?: boolean; ignoreBOM?: boolean } | null = null) {
      const name = `${label}`;
      if (!isUtf8Label(name)) {
        const error: any = new OwnRangeError(`The "${name}" encoding is not supported`);
        error.code = 'ERR_ENCODING_NOT_SUPPORTED';
        throw error;
      }
      if (options !== null && options !== undefined && typeof options !== 'object' && typeof options !== 'function') {
        throw new OwnTypeError('The "options" argument must be of type object');
      }
      this.#fatal = !!options?.fatal;
      this.#ignoreBOM = !!options?.ignoreBOM;
    }
    get encoding() {
      return 'utf-8';
    }
    get fatal() {
      return this.#fatal;
    }
    get ignoreBOM() {
      return this.#ignoreBOM;
    }
    decode(input: unknown = undefined, options: { stream?: boolean } | null = null) {
      const bytes = input === undefined ? new U8(0) : bytesOf(input);
      if (options !== null && options !== undefined && typeof options !== 'object' && typeof options !== 'function') {
        throw new OwnTypeError('The "options" argument must be of type object');
      }
      // A decode that follows a flushing one starts a new stream (and looks for a BOM again).
      if (!this.#doNotFlush) this.#state = newState();
      const stream = !!options?.stream;
      this.#doNotFlush = stream;
      return decodeUtf8(bytes, this.#state, !stream, this.#fatal, !this.#ignoreBOM);
    }
  }
  defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });

  const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const BASE64_VALUES = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) BASE64_VALUES[charCodeAt(BASE64, i)] = i;

  const missing = (name: string) => {
    const error: any = new OwnTypeError(`The "${name}" argument must be specified`);
    error.code = 'ERR_MISSING_ARGS';
    return error;
  };

  function btoa(data: string) {
    if (arguments.length === 0) throw missing('input');
    const input = `${data}`;
    const n = input.length;
    let out = '';
    for (let i = 0; i < n; i += 3) {
      const a = charCodeAt(input, i);
      const b = i + 1 < n ? charCodeAt(input, i + 1) : 0;
      const c = i + 2 < n ? charCodeAt(input, i + 2) : 0;
      if (a > 0xff || b > 0xff || c > 0xff) throw new DOMException('Invalid character', 'InvalidCharacterError');
      out += BASE64[a >> 2] + BASE64[((a & 3) << 4) | (b >> 4)];
      out += i + 1 < n ? BASE64[((b & 15) << 2) | (c >> 6)] : '=';
      out += i + 2 < n ? BASE64[c & 63] : '=';
    }
    return out;
  }

  // Forgiving-base64 decode: ASCII whitespace is dropped and final padding is optional. The
  // checks run in Node's order, so the same input fails with the same message.
  function atob(data: string) {
    if (arguments.length === 0) throw missing('input');
    const input = `${data}`;
    const invalid = () => new DOMException('Invalid character', 'InvalidCharacterError');
    const values = list();
    let count = 0;
    let padding = 0;
    for (let i = 0; i < input.length; i++) {
      const c = charCodeAt(input, i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) continue;
      if (c === 0x3d) {
        if (++padding > 2) throw invalid();
      } else if (padding || c >= 128 || BASE64_VALUES[c] < 0) throw invalid();
      values[count++] = c;
    }
    if (count % 4 === 0) count -= padding;
    else if (padding) throw invalid();
    if (count % 4 === 1) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
    const units = list();
    let k = 0;
    let text = '';
    let bits = 0;
    let buffer = 0;
    for (let i = 0; i < count; i++) {
      buffer = (buffer << 6) | BASE64_VALUES[values[i]];
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        units[k++] = (buffer >> bits) & 0xff;
        if (k === CHUNK) {
          units.length = k;
          text += apply(fromCharCode, undefined, units);
          k = 0;
        }
      }
    }
    units.length = k;
    return k ? text + apply(fromCharCode, undefined, units) : text;
  }

  return freeze({ TextEncoder, TextDecoder, atob, btoa, utf8Encode, utf8Decode });
}
