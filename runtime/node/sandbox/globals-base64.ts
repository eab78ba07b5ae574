/**
 * `atob` and `btoa` for a sandbox vm context (composed by `contextGlobals`, which passes its
 * `DOMException` class: both fail with an InvalidCharacterError, as on the platform).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. Intrinsics are captured before any component code runs, so a component that
 * patches `String.prototype.charCodeAt` or `Array.prototype` changes nothing here.
 */
export interface ContextBase64 {
  atob: (data: string) => string;
  btoa: (data: string) => string;
}

export function contextBase64(DOMException: new (message?: string, name?: string) => Error): ContextBase64 {
  'use strict';
  const apply = Reflect.apply;
  const { freeze, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const fromCharCode = String.fromCharCode;
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const OwnTypeError = TypeError;
  // Internal lists have no prototype, so a patched Array.prototype (an index setter, say)
  // never sees what passes through them.
  const list = (): any[] => setPrototypeOf([], null);
  /** Call-site arguments for String.fromCharCode stay well under engine limits. */
  const CHUNK = 8192;

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

  return freeze({ atob, btoa });
}
