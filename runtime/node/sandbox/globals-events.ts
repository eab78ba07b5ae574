/**
 * `Event`, `EventTarget`, `AbortController`/`AbortSignal` and `MessageChannel`/`MessagePort`
 * for a sandbox vm context (composed by `contextGlobals`).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. It never sees the bridge: `support` carries context functions made by
 * `contextGlobals` — `schedule` (a macrotask, for message delivery), the optional `delay`
 * (for `AbortSignal.timeout`), `structuredClone` (messages are copies), `report` (where a
 * throwing listener's error goes) and `now` (event time stamps).
 */
import type { ContextKit } from './globals.js';

export interface EventsSupport {
  DOMException: new (message?: string, name?: string) => Error;
  structuredClone: (value: unknown, options?: { transfer?: unknown[] }) => unknown;
  schedule: (task: () => void) => void;
  delay: ((task: () => void, ms: number) => void) | undefined;
  report: (error: unknown) => void;
  now: () => number;
  kit: ContextKit;
}
export interface ContextEvents {
  Event: unknown;
  EventTarget: unknown;
  AbortController: unknown;
  AbortSignal: unknown;
  MessageEvent: unknown;
  MessagePort: unknown;
  MessageChannel: unknown;
  /** Tells the objects structuredClone must refuse. */
  isPlatformObject: (value: unknown) => boolean;
}

export function contextEvents(support: EventsSupport): ContextEvents {
  'use strict';
  const { DOMException, structuredClone, schedule, delay, report, now } = support;
  const apply = Reflect.apply;
  const { create, defineProperty, freeze, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const OwnTypeError = TypeError;
  const isArray = Array.isArray;
  const arraySplice = uncurry(Array.prototype.splice);
  const { list, push, toArray, record, typeError, missingArgs } = support.kit;

  let beginDispatch: (event: Event, target: EventTarget) => void;
  let endDispatch: (event: Event) => void;
  let setPassive: (event: Event, passive: boolean) => void;
  let stoppedImmediately: (event: Event) => boolean;
  // Internal reads go around the prototype, which component code may have patched.
  let typeOf: (event: Event) => string;
  let canceled: (event: Event) => boolean;
  let cancel: (event: Event) => void;
  let isDispatching: (event: Event) => boolean;
  let isEvent: (value: unknown) => boolean;

  class Event {
    #type: string;
    #bubbles = false;
    #cancelable = false;
    #composed = false;
    #canceled = false;
    #passive = false;
    #stop = false;
    #stopImmediate = false;
    #dispatching = false;
    #target: EventTarget | null = null;
    #current: EventTarget | null = null;
    #timeStamp = now();

    constructor(type: unknown, init: { bubbles?: boolean; cancelable?: boolean; composed?: boolean } | null = null) {
      missingArgs(arguments.length, 1, '"type"');
      this.#type = `${type}`;
      if (init !== null && init !== undefined) {
        if (typeof init !== 'object' && typeof init !== 'function') throw new OwnTypeError('The "options" argument must be of type object');
        this.#bubbles = !!init.bubbles;
        this.#cancelable = !!init.cancelable;
        this.#composed = !!init.composed;
      }
    }
    get type() {
      return this.#type;
    }
    get bubbles() {
      return this.#bubbles;
    }
    get cancelable() {
      return this.#cancelable;
    }
    get composed() {
      return this.#composed;
    }
    get defaultPrevented() {
      return this.#canceled;
    }
    get target() {
      return this.#target;
    }
    get srcElement() {
      return this.#target;
    }
    get currentTarget() {
      return this.#current;
    }
    get eventPhase() {
      return this.#dispatching ? 2 : 0;
    }
    get timeStamp() {
      return this.#timeStamp;
    }
    get isTrusted() {
      return false;
    }
    get returnValue() {
      return !this.#canceled;
    }
    set returnValue(value: boolean) {
      if (!value) cancel(this);
    }
    get cancelBubble() {
      return this.#stop;
    }
    set cancelBubble(value: boolean) {
      if (value) this.#stop = true;
    }
    preventDefault() {
      cancel(this);
    }
    stopPropagation() {
      this.#stop = true;
    }
    stopImmediatePropagation() {
      this.#stop = this.#stopImmediate = true;
    }
    composedPath() {
      return this.#dispatching && this.#current ? [this.#current] : [];
    }
    static {
      beginDispatch = (event, target) => {
        event.#target = event.#current = target;
        event.#dispatching = true;
      };
      endDispatch = (event) => {
        event.#current = null;
        event.#dispatching = false;
        event.#stop = event.#stopImmediate = false;
      };
      setPassive = (event, passive) => {
        event.#passive = passive;
      };
      stoppedImmediately = (event) => event.#stopImmediate;
      typeOf = (event) => event.#type;
      canceled = (event) => event.#canceled;
      cancel = (event) => {
        if (event.#cancelable && !event.#passive) event.#canceled = true;
      };
      isDispatching = (event) => event.#dispatching;
      isEvent = (value) => typeof value === 'object' && value !== null && #type in value;
    }
  }
  const PHASES = ['NONE', 'CAPTURING_PHASE', 'AT_TARGET', 'BUBBLING_PHASE'];
  for (let i = 0; i < PHASES.length; i++) {
    defineProperty(Event, PHASES[i], { value: i, enumerable: true });
    defineProperty(Event.prototype, PHASES[i], { value: i, enumerable: true });
  }
  defineProperty(Event.prototype, Symbol.toStringTag, { value: 'Event', configurable: true });

  interface Listener {
    callback: unknown;
    capture: boolean;
    once: boolean;
    passive: boolean;
    removed: boolean;
  }
  const flattenOptions = (options: unknown) => {
    if (typeof options === 'boolean' || options === undefined || options === null || (typeof options !== 'object' && typeof options !== 'function')) {
      return { capture: !!options, once: false, passive: false, signal: undefined as unknown };
    }
    const bag = options as { capture?: unknown; once?: unknown; passive?: unknown; signal?: unknown };
    return { capture: !!bag.capture, once: !!bag.once, passive: !!bag.passive, signal: bag.signal };
  };

  let isEventTarget: (value: unknown) => boolean;
  let handlerOf: (target: EventTarget, type: string) => unknown;
  let setHandler: (target: EventTarget, type: string, value: unknown) => void;
  // Filled once AbortSignal exists: EventTarget honours `signal` in addEventListener options.
  let isAbortSignal: (value: unknown) => boolean = () => false;
  let onAbort: (signal: unknown, algorithm: () => void) => void;
  let isAborted: (signal: unknown) => boolean;

  class EventTarget {
    #listeners: Record<string, Listener[]> = record();
    #handlers: Record<string, { value: unknown; listener: Listener | null }> = record();

    addEventListener(type: unknown, callback: unknown, options: unknown = undefined) {
      missingArgs(arguments.length, 2, '"type" and "listener"');
      const { capture, once, passive, signal } = flattenOptions(options);
      if (signal !== undefined && !isAbortSignal(signal)) {
        throw typeError('The "options.signal" property must be an instance of AbortSignal', 'ERR_INVALID_ARG_TYPE');
      }
      if (callback === null || callback === undefined) return;
      if (typeof callback !== 'function' && typeof callback !== 'object') {
        throw typeError('The "listener" argument must be an instance of EventListener', 'ERR_INVALID_ARG_TYPE');
      }
      if (signal !== undefined && isAborted(signal)) return;
      const name = `${type}`;
      const listeners = this.#listeners[name] ?? (this.#listeners[name] = list());
      for (let i = 0; i < listeners.length; i++) {
        if (listeners[i].callback === callback && listeners[i].capture === capture) return;
      }
      const listener: Listener = setPrototypeOf({ callback, capture, once, passive, removed: false }, null);
      push(listeners, listener);
      if (signal !== undefined) onAbort(signal, () => this.#remove(name, listener));
    }
    removeEventListener(type: unknown, callback: unknown, options: unknown = undefined) {
      missingArgs(arguments.length, 2, '"type" and "listener"');
      const { capture } = flattenOptions(options);
      const name = `${type}`;
      const listeners = this.#listeners[name];
      if (!listeners) return;
      for (let i = 0; i < listeners.length; i++) {
        if (listeners[i].callback === callback && listeners[i].capture === capture) {
          this.#remove(name, listeners[i]);
          return;
        }
      }
    }
    #remove(type: string, listener: Listener) {
      listener.removed = true;
      const listeners = this.#listeners[type];
      if (!listeners) return;
      for (let i = 0; i < listeners.length; i++) {
        if (listeners[i] === listener) {
          arraySplice(listeners, i, 1);
          return;
        }
      }
    }
    dispatchEvent(event: Event) {
      if (!isEvent(event)) throw typeError('The "event" argument must be an instance of Event', 'ERR_INVALID_ARG_TYPE');
      if (isDispatching(event)) throw new DOMException('The event is already being dispatched', 'InvalidStateError');
      beginDispatch(event, this);
      try {
        const listeners = this.#listeners[typeOf(event)];
        if (listeners) {
          // Listeners added during dispatch wait for the next event; removed ones are skipped.
          const snapshot = list();
          for (let i = 0; i < listeners.length; i++) push(snapshot, listeners[i]);
          for (let i = 0; i < snapshot.length; i++) {
            const listener: Listener = snapshot[i];
            if (listener.removed) continue;
            if (listener.once) this.#remove(typeOf(event), listener);
            setPassive(event, listener.passive);
            try {
              const callback = listener.callback as any;
              if (typeof callback === 'function') apply(callback, this, [event]);
              else {
                const handleEvent = callback.handleEvent;
                if (typeof handleEvent !== 'function') throw new OwnTypeError('The listener has no handleEvent method');
                apply(handleEvent, callback, [event]);
              }
            } catch (error) {
              // As in browsers: one failing listener is reported and the others still run.
              report(error);
            }
            setPassive(event, false);
            if (stoppedImmediately(event)) break;
          }
        }
      } finally {
        endDispatch(event);
      }
      return !canceled(event);
    }
    static {
      isEventTarget = (value) => typeof value === 'object' && value !== null && #listeners in value;
      handlerOf = (target, type) => target.#handlers[type]?.value ?? null;
      setHandler = (target, type, value) => {
        const slot = target.#handlers[type] ?? (target.#handlers[type] = setPrototypeOf({ value: null, listener: null }, null));
        // [LegacyTreatNonObjectAsNull]: anything but an object or function clears the handler.
        slot.value = (typeof value === 'object' && value !== null) || typeof value === 'function' ? value : null;
        if (slot.value === null) {
          if (slot.listener) target.#remove(type, slot.listener);
          slot.listener = null;
          return;
        }
        // The handler keeps the place in the listener order of when it was first set.
        if (slot.listener) return;
        const callback = function (this: EventTarget, event: Event) {
          const handler = slot.value;
          if (typeof handler === 'function') {
            const result = apply(handler, this, [event]);
            if (result === false) cancel(event);
          }
        };
        slot.listener = setPrototypeOf({ callback, capture: false, once: false, passive: false, removed: false }, null);
        const listeners = target.#listeners[type] ?? (target.#listeners[type] = list());
        push(listeners, slot.listener);
      };
    }
  }
  defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: 'EventTarget', configurable: true });
  const dispatch = uncurry(EventTarget.prototype.dispatchEvent);
  const addListener = uncurry(EventTarget.prototype.addEventListener);
  const handlerAttribute = (klass: { prototype: object }, type: string, onSet?: (target: any) => void) => {
    defineProperty(klass.prototype, 'on' + type, {
      get() {
        return handlerOf(this, type);
      },
      set(value: unknown) {
        setHandler(this, type, value);
        if (onSet) onSet(this);
      },
      enumerable: true,
      configurable: true,
    });
  };

  // ---------------------------------------------------------------- AbortSignal, AbortController
  // Passed to the constructors the platform does not let scripts call.
  const INTERNAL = freeze(create(null));
  const illegal = () => typeError('Illegal constructor', 'ERR_ILLEGAL_CONSTRUCTOR');
  const abortError = () => new DOMException('This operation was aborted', 'AbortError');
  let signalAbort: (signal: AbortSignal, reason: unknown) => void;

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

  // ---------------------------------------------------------------- MessageChannel
  class MessageEvent extends Event {
    #data: unknown = null;
    #origin = '';
    #lastEventId = '';
    #source: unknown = null;
    #ports: readonly unknown[];
    constructor(
      type: unknown,
      init: {
        bubbles?: boolean;
        cancelable?: boolean;
        composed?: boolean;
        data?: unknown;
        origin?: string;
        lastEventId?: string;
        source?: unknown;
        ports?: unknown[];
      } | null = null,
    ) {
      missingArgs(arguments.length, 1, '"type"');
      super(type, init);
      const ports = list();
      if (init) {
        if (init.data !== undefined) this.#data = init.data;
        if (init.origin !== undefined) this.#origin = `${init.origin}`;
        if (init.lastEventId !== undefined) this.#lastEventId = `${init.lastEventId}`;
        if (init.source !== undefined) this.#source = init.source;
        if (init.ports !== undefined && init.ports !== null) for (const port of init.ports) push(ports, port);
      }
      this.#ports = freeze(toArray(ports));
    }
    get data() {
      return this.#data;
    }
    get origin() {
      return this.#origin;
    }
    get lastEventId() {
      return this.#lastEventId;
    }
    get source() {
      return this.#source;
    }
    get ports() {
      return this.#ports;
    }
  }
  defineProperty(MessageEvent.prototype, Symbol.toStringTag, { value: 'MessageEvent', configurable: true });

  let entangle: (a: MessagePort, b: MessagePort) => void;

  class MessagePort extends EventTarget {
    #other: MessagePort | null = null;
    #queue = list();
    #started = false;
    #closed = false;

    constructor(key: unknown) {
      if (key !== INTERNAL) throw illegal();
      super();
    }
    postMessage(message: unknown, transfer: unknown = undefined) {
      missingArgs(arguments.length, 1, '"message"');
      const transferList = isArray(transfer) ? transfer : (transfer as { transfer?: unknown[] } | undefined)?.transfer;
      // Cloning happens now, so later changes to `message` are not seen and errors throw here.
      const data = structuredClone(message, transferList === undefined ? undefined : { transfer: transferList });
      const target = this.#other;
      if (target) target.#enqueue(data);
    }
    #enqueue(data: unknown) {
      if (this.#closed) return;
      push(this.#queue, data);
      if (this.#started) schedule(() => this.#deliver());
    }
    // One message per task, each in its own macrotask, in the order they were posted.
    #deliver() {
      if (this.#closed || this.#queue.length === 0) return;
      const data = this.#queue[0];
      arraySplice(this.#queue, 0, 1);
      dispatch(this, new MessageEvent('message', { data }));
    }
    start() {
      if (this.#started || this.#closed) return;
      this.#started = true;
      for (let i = 0; i < this.#queue.length; i++) schedule(() => this.#deliver());
    }
    close() {
      this.#closed = true;
      this.#queue.length = 0;
      const other = this.#other;
      this.#other = null;
      if (other) other.#other = null;
    }
    addEventListener(type: unknown, callback: unknown, options: unknown = undefined) {
      missingArgs(arguments.length, 2, '"type" and "listener"');
      addListener(this, type, callback, options);
      // Node starts a port as soon as it has a message listener; browsers wait for start().
      // Starting early is what code written for either expects.
      if (`${type}` === 'message' && callback) this.start();
    }
    static {
      entangle = (a, b) => {
        a.#other = b;
        b.#other = a;
      };
    }
  }
  handlerAttribute(MessagePort, 'message', (port: MessagePort) => port.start());
  handlerAttribute(MessagePort, 'messageerror');
  defineProperty(MessagePort.prototype, Symbol.toStringTag, { value: 'MessagePort', configurable: true });

  class MessageChannel {
    #port1 = new MessagePort(INTERNAL);
    #port2 = new MessagePort(INTERNAL);
    constructor() {
      entangle(this.#port1, this.#port2);
    }
    get port1() {
      return this.#port1;
    }
    get port2() {
      return this.#port2;
    }
  }
  defineProperty(MessageChannel.prototype, Symbol.toStringTag, { value: 'MessageChannel', configurable: true });

  return freeze({
    Event,
    EventTarget,
    AbortController,
    AbortSignal,
    MessageEvent,
    MessagePort,
    MessageChannel,
    isPlatformObject: (value: unknown) => isEventTarget(value) || isEvent(value),
  });
}
