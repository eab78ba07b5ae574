/**
 * Standard web globals for a sandbox vm context, built from the context's own intrinsics.
 *
 * `contextGlobals` is never called in the host: its source text is evaluated inside the
 * context (like `sandboxBootstrap`), so it must stay self-contained — no imports, nothing
 * from module scope. The host's own `URL`, `TextEncoder` or `MessageChannel` cannot be handed
 * to a context: each is a host object whose `constructor.constructor` is the host's
 * `Function`, which compiles code outside the sandbox. What this returns is made entirely of
 * context objects. The host is reached only through `bridge`, kept in closures here and
 * nowhere else, and only ever exchanging primitives (and context functions to call later).
 *
 * The globals come in parts, each its own self-contained factory evaluated in the same
 * context and handed in as `parts`: globals-encoding.ts (TextEncoder, TextDecoder, atob,
 * btoa), globals-url.ts (URL, URLSearchParams) and globals-events.ts (Event, EventTarget,
 * AbortController, AbortSignal, MessageChannel…). This file adds DOMException,
 * structuredClone, queueMicrotask and performance, and wires the parts to the bridge.
 *
 * Intrinsics are captured up front so that component code patching `Array.prototype.push`,
 * `Map.prototype.get` or `Promise.prototype.then` later cannot intercept or break what runs
 * here.
 *
 * In the host (see test/core/sandbox-globals.test.ts):
 *   const inContext = (fn: Function) => vm.runInContext(`(${fn})`, context);
 *   const globals = inContext(contextGlobals)(bridge, {
 *     encoding: inContext(contextEncoding),
 *     url: inContext(contextUrl),
 *     events: inContext(contextEvents),
 *   });
 *   // then define each own property of `globals` on the context's globalThis
 */
import type { ContextEncoding } from './globals-encoding.js';
import type { ContextUrl } from './globals-url.js';
import type { ContextEvents, EventsSupport } from './globals-events.js';

export interface GlobalsBridge {
  /**
   * Parses a URL with the host's WHATWG parser. Returns a JSON string with href, origin,
   * protocol, username, password, host, hostname, port, pathname, search and hash, or,
   * when invalid, "!" followed by the error message.
   */
  parseUrl(input: string, base: string | undefined): string;
  /** Runs `fn` (a context function) later, as a macrotask (the host's setImmediate). */
  schedule(fn: () => void): void;
  /** Optional: runs `fn` after `ms` milliseconds; enables `AbortSignal.timeout`. */
  delay?(fn: () => void, ms: number): void;
}

/** Small helpers every part needs, made once by `contextGlobals` in the same context. */
export interface ContextKit {
  /** A list with no prototype: a patched Array.prototype never sees its contents. */
  list(): any[];
  push(items: any[], value: unknown): void;
  /** Hands an internal list to the component as an ordinary array. */
  toArray(items: any[]): any[];
  record(): any;
  /** A TypeError with the `code` Node gives the same failure, for code that checks it. */
  typeError(message: string, code: string): Error;
  missingArgs(count: number, needed: number, names: string): void;
}

/** The part factories, each evaluated in the same context as `contextGlobals`. */
export interface GlobalsParts {
  encoding: (DOMException: new (message?: string, name?: string) => Error) => ContextEncoding;
  url: (parseUrlText: (input: string, base: string | undefined) => string, utf8Decode: (bytes: Uint8Array) => string, kit: ContextKit) => ContextUrl;
  events: (support: EventsSupport) => ContextEvents;
}

export function contextGlobals(bridge: GlobalsBridge, parts: GlobalsParts): Record<string, unknown> {
  'use strict';
  // ---------------------------------------------------------------- captured intrinsics
  const apply = Reflect.apply;
  const { create, defineProperty, freeze, getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto: object, key: PropertyKey) => uncurry(getOwnPropertyDescriptor(proto, key)!.get!);
  const OwnObject = Object;
  const OwnError = Error;
  const OwnTypeError = TypeError;
  const OwnArray = Array;
  const OwnDate = Date;
  const OwnRegExp = RegExp;
  const OwnMap = Map;
  const OwnSet = Set;
  const OwnArrayBuffer = ArrayBuffer;
  const OwnFunctionPrototype = Function.prototype;
  const U8 = Uint8Array;
  const isArray = Array.isArray;
  const stringSlice = uncurry(String.prototype.slice);
  const mapGet = uncurry(Map.prototype.get);
  const mapSet = uncurry(Map.prototype.set);
  const mapHas = uncurry(Map.prototype.has);
  const mapForEach = uncurry(Map.prototype.forEach);
  const setAdd = uncurry(Set.prototype.add);
  const setForEach = uncurry(Set.prototype.forEach);
  const objectToString = uncurry(Object.prototype.toString);
  const functionToString = uncurry(Function.prototype.toString);
  const symbolToString = uncurry(Symbol.prototype.toString);
  const promiseThen = uncurry(Promise.prototype.then);
  const resolved = apply(Promise.resolve, Promise, [undefined]);
  const dateNow = Date.now;
  // Internal lists have no prototype, so a patched Array.prototype never sees their contents.
  const list = (): any[] => setPrototypeOf([], null);
  const push = (items: any[], value: unknown) => {
    items[items.length] = value;
  };
  /** Hands an internal list to the component as an ordinary array. */
  const toArray = (items: any[]): any[] => setPrototypeOf(items, OwnArray.prototype);
  const record = (): any => create(null);
  /** A TypeError with the `code` Node gives the same failure, for code that checks it. */
  const typeError = (message: string, code: string) => {
    const error: any = new OwnTypeError(message);
    error.code = code;
    return error;
  };
  const missingArgs = (count: number, needed: number, names: string) => {
    if (count < needed) throw typeError(`The ${names} argument${needed > 1 ? 's' : ''} must be specified`, 'ERR_MISSING_ARGS');
  };
  /** The helpers above, for the parts (made here, in this context, before any component code). */
  const kit: ContextKit = freeze({ list, push, toArray, record, typeError, missingArgs });

  // ---------------------------------------------------------------- the bridge
  const hostParseUrl = bridge.parseUrl;
  const hostSchedule = bridge.schedule;
  const hostDelay = typeof bridge.delay === 'function' ? bridge.delay : undefined;
  const { encoding: makeEncoding, url: makeUrl, events: makeEvents } = parts;
  for (const part of [makeEncoding, makeUrl, makeEvents]) {
    // A host function here would put the host's Function within the component's reach.
    if (typeof part !== 'function' || getPrototypeOf(part) !== OwnFunctionPrototype) {
      throw new OwnTypeError('contextGlobals: each part must be its factory evaluated in this context');
    }
  }

  /** A throwing listener or scheduled callback is logged; it never throws into the host. */
  const report = (error: unknown) => {
    try {
      const log = (globalThis as any).console;
      if (log && typeof log.error === 'function') log.error(error);
    } catch {}
  };
  const guard = (task: () => void) => () => {
    try {
      task();
    } catch (error) {
      report(error);
    }
  };
  const schedule = (task: () => void) => {
    apply(hostSchedule, undefined, [guard(task)]);
  };
  const delay = hostDelay
    ? (task: () => void, ms: number) => {
        apply(hostDelay, undefined, [guard(task), ms]);
      }
    : undefined;
  /** Always a string (the JSON record or "!" + message), whatever the host does. */
  const parseUrlText = (input: string, base: string | undefined): string => {
    let answer: unknown;
    try {
      answer = apply(hostParseUrl, undefined, [input, base]);
    } catch {
      // What the host threw is a host object: it must not reach the component.
    }
    return typeof answer === 'string' ? answer : '!The URL parser is unavailable';
  };

  // ---------------------------------------------------------------- DOMException
  const DOM_CODES: Record<string, number> = setPrototypeOf(
    {
      IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
      NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
      SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
      TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20, URLMismatchError: 21,
      QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24, DataCloneError: 25,
    },
    null,
  );
  let isDOMException: (value: unknown) => boolean;
  let domName: (error: DOMException) => string;
  let domMessage: (error: DOMException) => string;
  class DOMException extends OwnError {
    #name: string;
    #message: string;
    constructor(message: unknown = '', options: unknown = 'Error') {
      // No message to super: name and message are getters, as on the platform's DOMException.
      super();
      this.#message = `${message}`;
      let name = 'Error';
      if (options !== null && typeof options === 'object') {
        const bag = options as { name?: unknown; cause?: unknown };
        if ('name' in bag) name = `${bag.name}`;
        if ('cause' in bag) defineProperty(this, 'cause', { value: bag.cause, writable: true, configurable: true });
      } else if (options !== undefined) name = `${options}`;
      this.#name = name;
    }
    get code() {
      return DOM_CODES[this.#name] ?? 0;
    }
    static {
      isDOMException = (value) => typeof value === 'object' && value !== null && #name in value;
      // Accessors rather than own properties, like the platform's (defined below: Error
      // declares name and message as fields, which TypeScript won't let a getter override).
      domName = (error) => error.#name;
      domMessage = (error) => error.#message;
    }
  }
  defineProperty(DOMException.prototype, 'name', {
    get() {
      return domName(this);
    },
    enumerable: true,
    configurable: true,
  });
  defineProperty(DOMException.prototype, 'message', {
    get() {
      return domMessage(this);
    },
    enumerable: true,
    configurable: true,
  });
  const LEGACY_CODES = [
    'INDEX_SIZE_ERR', 'DOMSTRING_SIZE_ERR', 'HIERARCHY_REQUEST_ERR', 'WRONG_DOCUMENT_ERR', 'INVALID_CHARACTER_ERR',
    'NO_DATA_ALLOWED_ERR', 'NO_MODIFICATION_ALLOWED_ERR', 'NOT_FOUND_ERR', 'NOT_SUPPORTED_ERR', 'INUSE_ATTRIBUTE_ERR',
    'INVALID_STATE_ERR', 'SYNTAX_ERR', 'INVALID_MODIFICATION_ERR', 'NAMESPACE_ERR', 'INVALID_ACCESS_ERR',
    'VALIDATION_ERR', 'TYPE_MISMATCH_ERR', 'SECURITY_ERR', 'NETWORK_ERR', 'ABORT_ERR', 'URL_MISMATCH_ERR',
    'QUOTA_EXCEEDED_ERR', 'TIMEOUT_ERR', 'INVALID_NODE_TYPE_ERR', 'DATA_CLONE_ERR',
  ];
  for (let i = 0; i < LEGACY_CODES.length; i++) {
    defineProperty(DOMException, LEGACY_CODES[i], { value: i + 1, enumerable: true });
    defineProperty(DOMException.prototype, LEGACY_CODES[i], { value: i + 1, enumerable: true });
  }
  defineProperty(DOMException.prototype, Symbol.toStringTag, { value: 'DOMException', configurable: true });
  const dataCloneError = (message: string) => new DOMException(message, 'DataCloneError');

  // ---------------------------------------------------------------- structuredClone
  const TypedArrayPrototype = getPrototypeOf(U8.prototype);
  const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);
  const typedArrayBuffer = getter(TypedArrayPrototype, 'buffer');
  const typedArrayOffset = getter(TypedArrayPrototype, 'byteOffset');
  const typedArrayLength = getter(TypedArrayPrototype, 'length');
  const typedArraySet = uncurry(TypedArrayPrototype.set);
  const dataViewBuffer = getter(DataView.prototype, 'buffer');
  const dataViewOffset = getter(DataView.prototype, 'byteOffset');
  const dataViewLength = getter(DataView.prototype, 'byteLength');
  const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
  const arrayBufferTransfer = (ArrayBuffer.prototype as any).transfer ? uncurry((ArrayBuffer.prototype as any).transfer) : undefined;
  const mapSize = getter(Map.prototype, 'size');
  const setSize = getter(Set.prototype, 'size');
  const dateGetTime = uncurry(Date.prototype.getTime);
  const regExpSource = getter(RegExp.prototype, 'source');
  const REGEXP_FLAGS = list();
  for (const [flag, name] of [['d', 'hasIndices'], ['g', 'global'], ['i', 'ignoreCase'], ['m', 'multiline'], ['s', 'dotAll'], ['u', 'unicode'], ['v', 'unicodeSets'], ['y', 'sticky']]) {
    const descriptor = getOwnPropertyDescriptor(RegExp.prototype, name);
    if (descriptor?.get) push(REGEXP_FLAGS, setPrototypeOf([flag, uncurry(descriptor.get)], null));
  }
  const VALUE_OF: Record<string, (value: unknown) => unknown> = setPrototypeOf(
    {
      '[object Boolean]': uncurry(Boolean.prototype.valueOf),
      '[object Number]': uncurry(Number.prototype.valueOf),
      '[object String]': uncurry(String.prototype.valueOf),
      '[object BigInt]': uncurry(BigInt.prototype.valueOf),
    },
    null,
  );
  const TYPED_ARRAYS = record();
  for (const Ctor of [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, (globalThis as any).Float16Array]) {
    if (typeof Ctor === 'function') TYPED_ARRAYS[Ctor.name] = Ctor;
  }
  const ERROR_TYPES = record();
  for (const Ctor of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) ERROR_TYPES[Ctor.name] = Ctor;
  // Objects with hidden state structuredClone cannot copy, by the tag their prototype gives them.
  const UNCLONEABLE_TAGS = setPrototypeOf(
    { WeakMap: 1, WeakSet: 1, WeakRef: 1, FinalizationRegistry: 1, Promise: 1, Symbol: 1, Generator: 1, AsyncGenerator: 1 },
    null,
  );
  // Set once the parts exist: their classes are platform objects structuredClone refuses.
  let isPlatformObject: (value: object) => boolean = () => false;

  const dataProperty = (target: object, key: PropertyKey, value: unknown) =>
    defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  const describeForError = (value: object) => {
    const proto = getPrototypeOf(value);
    const ctor = proto && getOwnPropertyDescriptor(proto, 'constructor')?.value;
    return `#<${typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name ? ctor.name : 'Object'}>`;
  };
  const branded = (check: (value: unknown) => unknown, value: unknown) => {
    try {
      check(value);
      return true;
    } catch {
      return false;
    }
  };
  const copyBuffer = (source: ArrayBuffer, length: number) => {
    // Copying through views avoids ArrayBuffer.prototype.slice, whose species lookup
    // would consult the (component-controlled) constructor property.
    const copy = new OwnArrayBuffer(length);
    typedArraySet(new U8(copy), new U8(source));
    return copy;
  };

  const clone = (value: unknown, memory: Map<unknown, unknown>, transferred: Map<unknown, unknown>): unknown => {
    if (typeof value === 'symbol') throw dataCloneError(`${symbolToString(value)} could not be cloned.`);
    if (typeof value === 'function') throw dataCloneError(`${functionToString(value)} could not be cloned.`);
    if (typeof value !== 'object' || value === null) return value;
    if (mapHas(memory, value)) return mapGet(memory, value);
    if (mapHas(transferred, value)) {
      const moved = mapGet(transferred, value);
      mapSet(memory, value, moved);
      return moved;
    }
    const remember = <T>(copy: T): T => {
      mapSet(memory, value, copy);
      return copy;
    };
    const plainCopy = (copy: object) => {
      remember(copy);
      const names = objectKeys(value);
      for (let i = 0; i < names.length; i++) dataProperty(copy, names[i], clone((value as any)[names[i]], memory, transferred));
      return copy;
    };
    if (isArray(value)) return plainCopy(new OwnArray((value as unknown[]).length));
    if (isPlatformObject(value)) {
      // DOMException is the one serializable platform object here.
      if (isDOMException(value)) return remember(new DOMException(domMessage(value as DOMException), domName(value as DOMException)));
      throw dataCloneError(`${describeForError(value)} could not be cloned.`);
    }
    // The tag picks a candidate kind cheaply; a brand-checking intrinsic confirms it (a
    // borrowed Symbol.toStringTag fails the check, and the object is copied as ordinary).
    const tag = objectToString(value);
    const typedName = typedArrayName(value);
    if (typedName !== undefined) {
      const buffer = clone(typedArrayBuffer(value), memory, transferred);
      return remember(new TYPED_ARRAYS[typedName](buffer, typedArrayOffset(value), typedArrayLength(value)));
    }
    switch (tag) {
      case '[object Date]':
        if (branded(dateGetTime, value)) return remember(new OwnDate(dateGetTime(value)));
        break;
      case '[object RegExp]':
        if (branded(regExpSource, value)) {
          let flags = '';
          for (let i = 0; i < REGEXP_FLAGS.length; i++) if (REGEXP_FLAGS[i][1](value)) flags += REGEXP_FLAGS[i][0];
          return remember(new OwnRegExp(regExpSource(value), flags));
        }
        break;
      case '[object Boolean]':
      case '[object Number]':
      case '[object String]':
      case '[object BigInt]':
        if (branded(VALUE_OF[tag], value)) return remember(OwnObject(VALUE_OF[tag](value)));
        break;
      case '[object ArrayBuffer]':
        if (branded(arrayBufferLength, value)) return remember(copyBuffer(value as ArrayBuffer, arrayBufferLength(value)));
        break;
      case '[object DataView]':
        if (branded(dataViewBuffer, value)) {
          const buffer = clone(dataViewBuffer(value), memory, transferred);
          return remember(new DataView(buffer as ArrayBuffer, dataViewOffset(value), dataViewLength(value)));
        }
        break;
      case '[object Map]':
        if (branded(mapSize, value)) {
          const copy = remember(new OwnMap());
          // Entries are listed first: cloning them may run getters that change the map.
          const entries = list();
          mapForEach(value, (v: unknown, k: unknown) => push(entries, setPrototypeOf([k, v], null)));
          for (let i = 0; i < entries.length; i++) {
            mapSet(copy, clone(entries[i][0], memory, transferred), clone(entries[i][1], memory, transferred));
          }
          return copy;
        }
        break;
      case '[object Set]':
        if (branded(setSize, value)) {
          const copy = remember(new OwnSet());
          const items = list();
          setForEach(value, (v: unknown) => push(items, v));
          for (let i = 0; i < items.length; i++) setAdd(copy, clone(items[i], memory, transferred));
          return copy;
        }
        break;
      case '[object Error]': {
        // Object.prototype.toString reports "Error" only for objects with [[ErrorData]].
        const name = (value as any).name;
        const Ctor = typeof name === 'string' && ERROR_TYPES[name] ? ERROR_TYPES[name] : OwnError;
        const copy = remember(new Ctor());
        const message = getOwnPropertyDescriptor(value, 'message');
        if (message && 'value' in message) defineProperty(copy, 'message', { value: `${message.value}`, writable: true, configurable: true });
        const stack = (value as any).stack;
        if (typeof stack === 'string') defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true });
        return copy;
      }
      case '[object SharedArrayBuffer]':
        throw dataCloneError(`${describeForError(value)} could not be cloned.`);
    }
    const kind = stringSlice(tag, 8, -1);
    if (UNCLONEABLE_TAGS[kind] === 1) throw dataCloneError(`#<${kind}> could not be cloned.`);
    return plainCopy({});
  };

  function structuredClone(value: unknown, options: { transfer?: Iterable<unknown> } | undefined = undefined) {
    missingArgs(arguments.length, 1, '"value"');
    const transferred = new OwnMap();
    const transfer = options?.transfer;
    if (transfer !== undefined && transfer !== null) {
      for (const item of transfer) {
        let length = -1;
        try {
          length = arrayBufferLength(item);
        } catch {}
        if (length < 0) throw dataCloneError('Value not transferable');
        if (mapHas(transferred, item)) throw dataCloneError('Duplicate ArrayBuffer in the transfer list');
        // Moving detaches the original where the engine can; otherwise the bytes are copied.
        mapSet(transferred, item, arrayBufferTransfer ? arrayBufferTransfer(item) : copyBuffer(item as ArrayBuffer, length));
      }
    }
    return clone(value, new OwnMap(), transferred);
  }

  // ---------------------------------------------------------------- queueMicrotask, performance
  function queueMicrotask(callback: () => void) {
    if (typeof callback !== 'function') throw typeError('The "callback" argument must be of type function', 'ERR_INVALID_ARG_TYPE');
    promiseThen(resolved, guard(callback));
  }

  const timeOrigin = apply(dateNow, OwnDate, []);
  let last = 0;
  // Bridge-free, so only as fine as Date.now(): whole milliseconds. Date.now() may step
  // backwards; performance.now() must not.
  const now = () => {
    const t = apply(dateNow, OwnDate, []) - timeOrigin;
    if (t > last) last = t;
    return last;
  };
  const performance = {
    timeOrigin,
    now,
    toJSON() {
      return { timeOrigin };
    },
  };

  // ---------------------------------------------------------------- the parts
  const { TextEncoder, TextDecoder, atob, btoa, utf8Decode } = makeEncoding(DOMException);
  const url = makeUrl(parseUrlText, utf8Decode, kit);
  const events = makeEvents({ DOMException, structuredClone, schedule, delay, report, now, kit });
  isPlatformObject = (value) => isDOMException(value) || url.isPlatformObject(value) || events.isPlatformObject(value);

  return freeze({
    URL: url.URL,
    URLSearchParams: url.URLSearchParams,
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    DOMException,
    structuredClone,
    Event: events.Event,
    EventTarget: events.EventTarget,
    AbortController: events.AbortController,
    AbortSignal: events.AbortSignal,
    MessageEvent: events.MessageEvent,
    MessageChannel: events.MessageChannel,
    MessagePort: events.MessagePort,
    queueMicrotask,
    performance,
  });
}
