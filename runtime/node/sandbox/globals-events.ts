/**
 * `Event` and `EventTarget` for a sandbox vm context (composed by `contextGlobals`), and what
 * the parts whose classes build on them need: globals-abort.ts (AbortSignal,
 * AbortController) and globals-messaging.ts (MessageEvent, MessagePort, MessageChannel).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. It never sees the bridge: `support` carries context functions made by
 * `contextGlobals` — `report` (where a throwing listener's error goes) and `now` (event time
 * stamps).
 */
import type { ContextKit } from './globals.js';

export interface EventsSupport {
  DOMException: new (message?: string, name?: string) => Error;
  report: (error: unknown) => void;
  now: () => number;
  kit: ContextKit;
}
type EventInitBag = { bubbles?: boolean; cancelable?: boolean; composed?: boolean };
/** How an AbortSignal looks to EventTarget, which honours `signal` in addEventListener options. */
export interface AbortSignalHooks {
  isAbortSignal: (value: unknown) => boolean;
  isAborted: (signal: unknown) => boolean;
  onAbort: (signal: unknown, algorithm: () => void) => void;
}
export interface ContextEvents {
  Event: new (type: unknown, init?: EventInitBag | null) => { readonly type: string };
  EventTarget: new () => { addEventListener(type: unknown, callback: unknown, options?: unknown): void };
  /** Tells the objects structuredClone must refuse. */
  isPlatformObject: (value: unknown) => boolean;
  /** EventTarget.prototype's dispatchEvent and addEventListener, captured before component code runs. */
  dispatch: (target: object, event: object) => boolean;
  addListener: (target: object, type: unknown, callback: unknown, options: unknown) => void;
  /** Defines the `on<type>` event handler attribute of `klass`. */
  handlerAttribute: (klass: { prototype: object }, type: string, onSet?: (target: any) => void) => void;
  /** Called by globals-abort.ts once AbortSignal exists. */
  useAbortSignals: (hooks: AbortSignalHooks) => void;
}

export function contextEvents(support: EventsSupport): ContextEvents {
  'use strict';
  const { DOMException, report, now } = support;
  const apply = Reflect.apply;
  const { defineProperty, freeze, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const OwnTypeError = TypeError;
  const arraySplice = uncurry(Array.prototype.splice);
  const { list, push, record, typeError, missingArgs } = support.kit;

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

  return freeze({
    Event,
    EventTarget,
    isPlatformObject: (value: unknown) => isEventTarget(value) || isEvent(value),
    dispatch,
    addListener,
    handlerAttribute,
    useAbortSignals: (hooks: AbortSignalHooks) => {
      isAbortSignal = hooks.isAbortSignal;
      isAborted = hooks.isAborted;
      onAbort = hooks.onAbort;
    },
  });
}
