/**
 * The sandbox worker thread: compiles each component's `server.cjs` in its own vm context
 * (string code generation off) and runs loaders/actions on request from the main thread.
 * The main thread owns time: it terminates this worker when a job overruns, which is what
 * stops a synchronous endless loop for real.
 */
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { LRUCache } from 'lru-cache';
import { sandboxBootstrap } from './bootstrap.js';
import { createRequireGuard } from './require.js';
import { createOutbox, type FromWorker, type ToWorker, type WorkerOptions } from './protocol.js';

const options = workerData as WorkerOptions;
const port = parentPort!;
const post = createOutbox<FromWorker>((batch) => port.postMessage(batch));
const guardedRequire = createRequireGuard(options.dependencies, options.root);
const bootstrapSource = `(${sandboxBootstrap.toString()})`;

interface LoadedComponent {
  definition: unknown;
  invoke: (
    definition: unknown,
    kind: string,
    action: string,
    argsJson: string,
    plugins: string[],
    done: (error: string | null, data?: string, html?: string) => void,
  ) => void;
}

// Versions are immutable, so a compiled component never needs invalidation.
const modules = new LRUCache<string, Promise<LoadedComponent>>({ max: options.cacheSize });
const pendingSources = new Map<number, { resolve: (code: string) => void; reject: (error: Error) => void }>();
const pendingCalls = new Map<number, { ok: (json: string) => void; fail: (message: string) => void }>();
let nextId = 0;

function requestSource(name: string, version: string): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pendingSources.set(id, { resolve, reject });
    post({ t: 'source', id, name, version });
  });
}

/** The host side of the bridge: every answer is a primitive or an allow-listed module. */
function createHost(label: string) {
  const timers = new Map<number, NodeJS.Timeout>();
  let timerId = 0;
  return function host(op: string, ...args: any[]): unknown {
    try {
      switch (op) {
        case 'log':
          post({ t: 'log', level: String(args[0]), text: `[${label}] ${String(args[1])}` });
          return undefined;
        case 'require':
          return guardedRequire(String(args[0]));
        case 'timer': {
          const [fn, ms, repeat] = args as [() => void, number, boolean];
          const id = ++timerId;
          const run = () => {
            if (!repeat) timers.delete(id);
            try {
              fn();
            } catch (error: any) {
              post({ t: 'log', level: 'error', text: `[${label}] timer callback threw: ${error?.stack ?? error}` });
            }
          };
          timers.set(id, repeat ? setInterval(run, ms) : setTimeout(run, ms));
          return id;
        }
        case 'clearTimer': {
          const handle = timers.get(args[0]);
          if (handle) clearTimeout(handle), timers.delete(args[0]);
          return undefined;
        }
        case 'fetch':
          runFetch(String(args[0])).then(args[1], (error) => args[2](String(error?.message ?? error)));
          return undefined;
        case 'plugin': {
          const id = nextId++;
          pendingCalls.set(id, { ok: args[2], fail: args[3] });
          post({ t: 'plugin', id, name: String(args[0]), args: String(args[1]) });
          return undefined;
        }
        default:
          return undefined;
      }
    } catch (error: any) {
      // Never throw a host error into the context; report it as the sandbox would see it.
      post({ t: 'log', level: 'error', text: `[${label}] sandbox bridge failed: ${error?.stack ?? error}` });
      return undefined;
    }
  };
}

async function runFetch(requestJson: string): Promise<string> {
  const request = JSON.parse(requestJson) as { url: string; method?: string; headers?: Record<string, string>; body?: string };
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
  return JSON.stringify({
    status: response.status,
    statusText: response.statusText,
    url: response.url,
    headers: [...response.headers],
    body: await response.text(),
  });
}

async function load(name: string, version: string): Promise<LoadedComponent> {
  const code = await requestSource(name, version);
  const label = `${name}@${version}`;
  const context = vm.createContext({}, { name: label, codeGeneration: { strings: false, wasm: false } });
  const api = new vm.Script(bootstrapSource, { filename: 'mikr0:bootstrap' }).runInContext(context)(createHost(label));
  const filename = `mikr0://${label}/server.cjs`;
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
  const moduleFunction = new vm.Script(wrapped, { filename }).runInContext(context);
  return { definition: api.init(moduleFunction, filename), invoke: api.invoke };
}

function getComponent(name: string, version: string): { loaded: Promise<LoadedComponent>; hit: boolean } {
  const key = `${name}@${version}`;
  const cached = modules.get(key);
  if (cached) return { loaded: cached, hit: true };
  const loaded = load(name, version);
  modules.set(key, loaded);
  loaded.catch(() => modules.delete(key));
  return { loaded, hit: false };
}

function errorInfo(error: any): string {
  return JSON.stringify({ message: String(error?.message ?? error), stack: error?.stack, code: error?.code });
}

// A component's stray rejection or throw must not take the worker (and its neighbours) down.
process.on('unhandledRejection', (reason: any) =>
  post({ t: 'log', level: 'error', text: `unhandled rejection in server code: ${reason?.stack ?? reason}` }),
);
process.on('uncaughtException', (error) =>
  post({ t: 'log', level: 'error', text: `uncaught exception in server code: ${error?.stack ?? error}` }),
);

port.on('message', (batch: ToWorker[]) => {
  for (const message of batch) handle(message);
});

function handle(message: ToWorker) {
  switch (message.t) {
    case 'run': {
      const { id, name, version } = message;
      const { loaded, hit } = getComponent(name, version);
      loaded.then(
        (component) =>
          component.invoke(component.definition, message.kind, message.action ?? '', message.args, options.plugins, (error, data, html) =>
            post(error === null ? { t: 'done', id, hit, data: data!, html } : { t: 'done', id, hit, error }),
          ),
        (error) => post({ t: 'done', id, hit, error: errorInfo(error), load: true }),
      );
      return;
    }
    case 'source': {
      const pending = pendingSources.get(message.id);
      pendingSources.delete(message.id);
      if (message.code !== undefined) pending?.resolve(message.code);
      else pending?.reject(new Error(message.error ?? 'server code unavailable'));
      return;
    }
    case 'plugin': {
      const pending = pendingCalls.get(message.id);
      pendingCalls.delete(message.id);
      if (message.error !== undefined) pending?.fail(message.error);
      else pending?.ok(message.value as string);
      return;
    }
    case 'ping':
      post({ t: 'pong', id: message.id });
      return;
  }
}
