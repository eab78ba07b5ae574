/**
 * `AbortSignal` and `AbortController` for a sandbox vm context (composed by
 * `contextGlobals`), on the EventTarget of globals-events.ts.
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. `support` carries context functions made by `contextGlobals`: the optional `delay`
 * (a host timer, for `AbortSignal.timeout`; without it there is no `timeout`) and `report`
 * (where a throwing abort algorithm's error goes). Once AbortSignal exists it is handed to
 * EventTarget, which honours `signal` in addEventListener options.
 */
import type { ContextKit } from './globals.js';
import type { ContextEvents } from './globals-events.js';

export interface AbortSupport {
  DOMException: new (message?: string, name?: string) => Error;
  delay: ((task: () => void, ms: number) => void) | undefined;
  report: (error: unknown) => void;
  kit: ContextKit;
}
export interface ContextAbort {
  AbortSignal: unknown;
  AbortController: unknown;
}

export function contextAbort(events: ContextEvents, support: AbortSupport): ContextAbort {
  'use strict';
  const { DOMException, delay, report } = support;
  const { Event, EventTarget, dispatch, handlerAttribute } = events;
  const { create, defineProperty, freeze } = Object;
  const OwnTypeError = TypeError;
  const { list, push, typeError } = support.kit;

  // Passed to the constructors the platform does not let scripts call.
  const INTERNAL = freeze(create(null));
  const illegal = () => typeError('Illegal constructor', 'ERR_ILLEGAL_CONSTRUCTOR');
  const abortError = () => new DOMException('This operation was aborted', 'AbortError');
  let signalAbort: (signal: AbortSignal, reason: unknown) => void;
  let isAbortSignal: (value: unknown) => boolean;
  let isAborted: (signal: unknown) => boolean;
  let onAbort: (signal: unknown, algorithm: () => void) => void;

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason: unknown = undefined;
    #algorithms = list();

    constructor(key: unknown) {
      if (key !== INTERNAL) throw illegal();
      super();
    }
    get aborted() {
      return this.#aborted;
    }
    get reason() {
      return this.#reason;
    }
    throwIfAborted() {
      if (this.#aborted) throw this.#reason;
    }
    static abort(reason: unknown = undefined) {
      const signal = new AbortSignal(INTERNAL);
      signal.#aborted = true;
      signal.#reason = reason === undefined ? abortError() : reason;
      return signal;
    }
    static any(signals: Iterable<AbortSignal>) {
      const result = new AbortSignal(INTERNAL);
      const sources = list();
      for (const signal of signals) {
        if (!isAbortSignal(signal)) throw new OwnTypeError('The "signals" argument must be a sequence of AbortSignal');
        push(sources, signal);
      }
      for (let i = 0; i < sources.length; i++) {
        const source: AbortSignal = sources[i];
        if (source.#aborted) {
          result.#aborted = true;
          result.#reason = source.#reason;
          return result;
        }
      }
      for (let i = 0; i < sources.length; i++) {
        const source: AbortSignal = sources[i];
        push(source.#algorithms, () => result.#abort(source.#reason));
      }
      return result;
    }
    #abort(reason: unknown) {
      if (this.#aborted) return;
      this.#aborted = true;
      this.#reason = reason === undefined ? abortError() : reason;
      const algorithms = this.#algorithms;
      this.#algorithms = list();
      for (let i = 0; i < algorithms.length; i++) {
        try {
          algorithms[i]();
        } catch (error) {
          report(error);
        }
      }
      dispatch(this, new Event('abort'));
    }
    static {
      isAbortSignal = (value) => typeof value === 'object' && value !== null && #aborted in value;
      isAborted = (signal) => (signal as AbortSignal).#aborted;
      onAbort = (signal, algorithm) => push((signal as AbortSignal).#algorithms, algorithm);
      signalAbort = (signal, reason) => signal.#abort(reason);
    }
  }
  handlerAttribute(AbortSignal, 'abort');
  defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: 'AbortSignal', configurable: true });
  if (delay) {
    defineProperty(AbortSignal, 'timeout', {
      value: function timeout(ms: unknown) {
        const wait = +(ms as number);
        if (!(wait >= 0 && wait <= Number.MAX_SAFE_INTEGER)) {
          throw new OwnTypeError('The "delay" argument must be a non-negative finite number');
        }
        const signal = new AbortSignal(INTERNAL);
        delay(() => signalAbort(signal, new DOMException('The operation was aborted due to timeout', 'TimeoutError')), wait - (wait % 1));
        return signal;
      },
      writable: true,
      configurable: true,
    });
  }

  class AbortController {
    #signal = new AbortSignal(INTERNAL);
    get signal() {
      return this.#signal;
    }
    abort(reason: unknown = undefined) {
      signalAbort(this.#signal, reason);
    }
  }
  defineProperty(AbortController.prototype, Symbol.toStringTag, { value: 'AbortController', configurable: true });
  events.useAbortSignals({ isAbortSignal, isAborted, onAbort });

  return freeze({ AbortSignal, AbortController });
}
