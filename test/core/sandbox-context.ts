/**
 * Builds a vm context the way the sandbox does (null-prototype global, no code generation
 * from strings) and installs the context-built web globals in it, with a bridge made of
 * Node's own URL parser and timers.
 */
import vm from 'node:vm';
import { contextGlobals, globalsParts, type GlobalsBridge } from '../../runtime/node/sandbox/globals.js';

const URL_FIELDS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const;

export function nodeBridge(options: { delay?: boolean } = {}): GlobalsBridge {
  return {
    parseUrl(input, base) {
      try {
        const url = new URL(input, base);
        const record: Record<string, string> = {};
        for (const field of URL_FIELDS) record[field] = url[field];
        return JSON.stringify(record);
      } catch (error) {
        return '!' + (error as Error).message;
      }
    },
    schedule(fn) {
      setImmediate(fn);
    },
    ...(options.delay === false ? {} : { delay: (fn: () => void, ms: number) => void setTimeout(fn, ms) }),
  };
}

export interface GlobalsSandbox {
  context: vm.Context;
  /** The object contextGlobals returned. */
  globals: Record<string, unknown>;
  run<T = any>(code: string): T;
  /** What the context's console printed, one line per call. */
  logs: string[];
}

export function createGlobalsSandbox(
  options: { delay?: boolean; timers?: boolean; bridge?: Partial<GlobalsBridge> } = {},
): GlobalsSandbox {
  const context = vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
  const run = (code: string) => vm.runInContext(code, context);
  const inContext = (fn: Function) => run(`(${fn.toString()})`);
  const parts = Object.fromEntries(Object.entries(globalsParts).map(([name, part]) => [name, inContext(part)]));
  const globals = inContext(contextGlobals)({ ...nodeBridge(options), ...options.bridge }, parts);
  const global = run('globalThis');
  for (const key of Object.keys(globals)) {
    Object.defineProperty(global, key, { value: globals[key], writable: true, configurable: true });
  }

  // console and timers are the sandbox bootstrap's business; these stand-ins follow its rule:
  // built in the context, talking to the host through functions that take primitives.
  const logs: string[] = [];
  run(`(sink) => {
    const format = (value) => typeof value === 'string' ? value : value instanceof Error ? value.stack : String(value);
    const log = (level) => (...args) => sink(level + ': ' + args.map(format).join(' '));
    globalThis.console = { log: log('log'), info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error') };
  }`)((line: string) => void logs.push(String(line)));
  if (options.timers !== false) {
    const timers = new Map<number, NodeJS.Timeout>();
    let nextId = 0;
    run(`(start, stop) => {
      globalThis.setTimeout = (fn, ms, ...args) => start(() => fn(...args), Number(ms) || 0);
      globalThis.clearTimeout = (id) => { if (typeof id === 'number') stop(id); };
    }`)(
      (fn: () => void, ms: number) => {
        const id = ++nextId;
        timers.set(
          id,
          setTimeout(() => {
            timers.delete(id);
            fn();
          }, ms),
        );
        return id;
      },
      (id: number) => {
        clearTimeout(timers.get(id));
        timers.delete(id);
      },
    );
  }
  return { context, globals, run, logs };
}
