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
 * The globals come in parts, each its own self-contained factory in a `globals-*.ts` file,
 * evaluated in the same context and handed in as `parts` (`globalsParts` lists them). This
 * file makes the helpers they share (`ContextKit`), adds queueMicrotask and performance, and
 * wires the parts to the bridge and to each other.
 *
 * Intrinsics are captured up front so that component code patching `Array.prototype.push`,
 * `Map.prototype.get` or `Promise.prototype.then` later cannot intercept or break what runs
 * here.
 *
 * In the host (see context.ts, and test/core/sandbox-context.ts):
 *   const inContext = (fn: Function) => vm.runInContext(`(${fn})`, context);
 *   const parts = Object.fromEntries(Object.entries(globalsParts).map(([name, part]) => [name, inContext(part)]));
 *   const globals = inContext(contextGlobals)(bridge, parts);
 *   // then define each own property of `globals` on the context's globalThis
 */
import { contextAbort } from './globals-abort.js';
import { contextBase64 } from './globals-base64.js';
import { contextClone } from './globals-clone.js';
import { contextDomException } from './globals-dom-exception.js';
import { contextEncoding } from './globals-encoding.js';
import { contextEvents } from './globals-events.js';
import { contextMessaging } from './globals-messaging.js';
import { contextSearchParams } from './globals-search-params.js';
import { contextUrl } from './globals-url.js';
import { contextUtf8 } from './globals-utf8.js';

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

/**
 * The part factories, by the name `contextGlobals` takes them under. The host compiles each
 * in the context (their source text, never these host functions) and hands the results in.
 */
export const globalsParts = Object.freeze({
  domException: contextDomException,
  clone: contextClone,
  utf8: contextUtf8,
  encoding: contextEncoding,
  base64: contextBase64,
  searchParams: contextSearchParams,
  url: contextUrl,
  events: contextEvents,
  abort: contextAbort,
  messaging: contextMessaging,
});
export type GlobalsParts = typeof globalsParts;

export function contextGlobals(bridge: GlobalsBridge, parts: GlobalsParts): Record<string, unknown> {
  'use strict';
  // ---------------------------------------------------------------- captured intrinsics
  const apply = Reflect.apply;
  const { create, freeze, getPrototypeOf, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const OwnTypeError = TypeError;
  const OwnArray = Array;
  const OwnDate = Date;
  const OwnFunctionPrototype = Function.prototype;
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
  // The names of `globalsParts` (its module scope is out of reach here); each part is read once.
  const PART_NAMES = ['domException', 'clone', 'utf8', 'encoding', 'base64', 'searchParams', 'url', 'events', 'abort', 'messaging'] as const;
  const make = record() as GlobalsParts;
  for (let i = 0; i < PART_NAMES.length; i++) {
    const part = parts[PART_NAMES[i]];
    // A host function here would put the host's Function within the component's reach.
    if (typeof part !== 'function' || getPrototypeOf(part) !== OwnFunctionPrototype) {
      throw new OwnTypeError('contextGlobals: each part must be its factory evaluated in this context');
    }
    (make as any)[PART_NAMES[i]] = part;
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
  // Set once every part exists: their classes are platform objects structuredClone refuses.
  let isPlatformObject: (value: object) => boolean = () => false;
  const dom = make.domException();
  const { DOMException } = dom;
  const structuredClone = make.clone(dom, (value) => isPlatformObject(value), kit);
  const utf8 = make.utf8();
  const { TextEncoder, TextDecoder } = make.encoding(utf8);
  const { atob, btoa } = make.base64(DOMException);
  const searchParams = make.searchParams(utf8.utf8Decode, kit);
  const url = make.url(parseUrlText, searchParams, kit);
  const events = make.events({ DOMException, report, now, kit });
  const abort = make.abort(events, { DOMException, delay, report, kit });
  const messaging = make.messaging(events, { structuredClone, schedule, kit });
  isPlatformObject = (value) =>
    dom.isDOMException(value) || url.isPlatformObject(value) || searchParams.isPlatformObject(value) || events.isPlatformObject(value);

  return freeze({
    URL: url.URL,
    URLSearchParams: searchParams.URLSearchParams,
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    DOMException,
    structuredClone,
    Event: events.Event,
    EventTarget: events.EventTarget,
    AbortController: abort.AbortController,
    AbortSignal: abort.AbortSignal,
    MessageEvent: messaging.MessageEvent,
    MessageChannel: messaging.MessageChannel,
    MessagePort: messaging.MessagePort,
    queueMicrotask,
    performance,
  });
}
