/**
 * `structuredClone` for a sandbox vm context (composed by `contextGlobals`).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context, so every copy it makes is built from the context's own intrinsics. Kinds are told
 * apart by brand-checking intrinsics captured before any component code runs, never by what
 * an object says about itself (its constructor, a borrowed Symbol.toStringTag), so a patched
 * prototype neither misleads nor intercepts the copy.
 *
 * `isPlatformObject` is asked about each object first: the classes of the other parts
 * (URL, EventTarget…) have hidden state, so structuredClone refuses them, except DOMException.
 */
import type { ContextKit } from './globals.js';
import type { ContextDomException } from './globals-dom-exception.js';

export type StructuredClone = (value: unknown, options?: { transfer?: Iterable<unknown> }) => unknown;

export function contextClone(dom: ContextDomException, isPlatformObject: (value: object) => boolean, kit: ContextKit): StructuredClone {
  'use strict';
  const { defineProperty, getOwnPropertyDescriptor, getPrototypeOf, keys: objectKeys, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const getter = (proto: object, key: PropertyKey) => uncurry(getOwnPropertyDescriptor(proto, key)!.get!);
  const { DOMException, isDOMException, nameOf, messageOf } = dom;
  const { list, push, record, missingArgs } = kit;
  const OwnObject = Object;
  const OwnError = Error;
  const OwnArray = Array;
  const OwnDate = Date;
  const OwnRegExp = RegExp;
  const OwnMap = Map;
  const OwnSet = Set;
  const OwnArrayBuffer = ArrayBuffer;
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
  const dataCloneError = (message: string) => new DOMException(message, 'DataCloneError');

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
      if (isDOMException(value)) return remember(new DOMException(messageOf(value as Error), nameOf(value as Error)));
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
  return structuredClone;
}
