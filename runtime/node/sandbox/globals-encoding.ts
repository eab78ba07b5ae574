/**
 * `TextEncoder` and `TextDecoder` for a sandbox vm context (composed by `contextGlobals`),
 * over the codec of globals-utf8.ts.
 *
 * Self-contained like every `context*` factory here (no imports, nothing from module scope):
 * its source text is evaluated inside the context, and everything it hands out is built from
 * the context's own intrinsics.
 *
 * Intrinsics are captured before any component code runs, so a component that patches
 * `String.prototype.charCodeAt` or a typed array getter changes nothing here.
 */
import type { ContextUtf8 } from './globals-utf8.js';

export interface ContextEncoding {
  TextEncoder: unknown;
  TextDecoder: unknown;
}

export function contextEncoding(utf8: ContextUtf8): ContextEncoding {
  'use strict';
  const { defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto: object, key: PropertyKey) => uncurry(getOwnPropertyDescriptor(proto, key)!.get!);
  const { utf8Encode, newState, decode: decodeUtf8 } = utf8;

  const fromCharCode = String.fromCharCode;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const OwnTypeError = TypeError;
  const OwnRangeError = RangeError;
  const U8 = Uint8Array;
  const TypedArrayPrototype = getPrototypeOf(U8.prototype);
  const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
  const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
  const typedArrayByteLength = getter(TypedArrayPrototype, 'byteLength');
  const typedArrayLength = getter(TypedArrayPrototype, 'length');
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewLength = getter(DataView.prototype, 'byteLength');
  const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
  const sharedBufferLength =
    typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined;

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

  return freeze({ TextEncoder, TextDecoder });
}
