/**
 * `MessageEvent`, `MessagePort` and `MessageChannel` for a sandbox vm context (composed by
 * `contextGlobals`), on the Event and EventTarget of globals-events.ts. React's scheduler
 * posts to a MessageChannel to run its work as a macrotask, so this is on the render path.
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. `support` carries context functions made by `contextGlobals`: `schedule` (a host
 * macrotask, for message delivery) and `structuredClone` (messages are copies).
 */
import type { ContextKit } from './globals.js';
import type { ContextEvents } from './globals-events.js';

export interface MessagingSupport {
  structuredClone: (value: unknown, options?: { transfer?: unknown[] }) => unknown;
  schedule: (task: () => void) => void;
  kit: ContextKit;
}
export interface ContextMessaging {
  MessageEvent: unknown;
  MessagePort: unknown;
  MessageChannel: unknown;
}

export function contextMessaging(events: ContextEvents, support: MessagingSupport): ContextMessaging {
  'use strict';
  const { structuredClone, schedule } = support;
  const { Event, EventTarget, dispatch, addListener, handlerAttribute } = events;
  const { create, defineProperty, freeze } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const isArray = Array.isArray;
  const arraySplice = uncurry(Array.prototype.splice);
  const { list, push, toArray, typeError, missingArgs } = support.kit;
  // Passed to the constructors the platform does not let scripts call.
  const INTERNAL = freeze(create(null));
  const illegal = () => typeError('Illegal constructor', 'ERR_ILLEGAL_CONSTRUCTOR');

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

  return freeze({ MessageEvent, MessagePort, MessageChannel });
}
