/**
 * A sandbox process: started by the pool (index.ts) with the least rights Node gives (see
 * spawn.ts), it compiles each component's `server.cjs` in its own vm context (context.ts)
 * and runs loaders and actions on request. Nothing here trusts component code: a run that
 * overstays is stopped in place; a component over the memory budget loses its context,
 * and the process exits (the pool replaces it) only when memory cannot be won back.
 */
import { writeSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createComponentContext, type ComponentContext } from './context.js';
import { createPolicyFetch } from './fetch-policy.js';
import { failureInfo } from './failure.js';
import { createOutbox, RUNNING_FD, type FromProcess, type ProcessOptions, type ToProcess } from './protocol.js';
import { createRequireGuard } from './require.js';

const options = JSON.parse(process.argv[2]) as ProcessOptions;
const post = createOutbox<FromProcess>((batch) => process.send!(batch));
const guardedRequire = createRequireGuard(options.dependencies, options.root);
const policyFetch = createPolicyFetch(options.fetch);
const memoryLimit = options.memoryLimitMb * 1024 * 1024;

// A gc() for the host only: contexts created after the flag is cleared do not get one.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
v8.setFlagsFromString('--no-expose-gc');

interface Entry {
  key: string;
  context?: ComponentContext;
  /** Jobs waiting for the source. */
  waiting: Extract<ToProcess, { t: 'run' }>[];
  cacheSent: boolean;
  used: boolean;
}

/** Compiled components, least recently used first (a Map keeps insertion order). */
const components = new Map<string, Entry>();
/** Job id → component key and whether the module was already compiled. */
const jobs = new Map<number, { key: string; hit: boolean }>();
const pendingPlugins = new Map<number, { ok: (text: string) => void; fail: (error: Error) => void }>();
let nextPluginId = 0;
/** The version last written to RUNNING_FD. */
let running: string | undefined;

function finish(id: number, message: FromProcess) {
  if (!jobs.delete(id)) return;
  post(message);
}

/** A context whose work belongs to `entry`; its server code is loaded later (`loaded`). */
function contextFor(entry: Entry): ComponentContext {
  return createComponentContext({
    // The pool sends SIGINT when this process stays silent past the timeout (index.ts).
    timeout: 'signal',
    maxResultBytes: options.maxResultBytes,
    pluginNames: options.plugins,
    exposeProcess: options.exposeProcess,
    require: guardedRequire,
    fetch: (request) => policyFetch(JSON.parse(request)).then((response) => JSON.stringify(response)),
    plugin: (name, args) =>
      new Promise((ok, fail) => {
        const id = nextPluginId++;
        pendingPlugins.set(id, { ok, fail });
        post({ t: 'plugin', id, name, args });
      }),
    log: (level, text) => post({ t: 'log', level, text }),
    done(id, info, data, html, load) {
      const job = jobs.get(id);
      if (!job) return;
      // Held until the entry is over and its memory checked: a result bought by going over
      // the limit is not delivered.
      held.push({ entry, id, load, message: info === '' ? { t: 'done', id, hit: job.hit, data: data!, html } : { t: 'done', id, hit: job.hit, error: info, load } });
    },
    entering() {
      if (running === entry.key) return;
      running = entry.key;
      try {
        writeSync(RUNNING_FD, `${entry.key}\n`);
      } catch {
        // A full pipe: the pool learns it with the next one.
      }
    },
    entered() {
      if (overBudget()) {
        failAll(entry, 'memory', `went over the sandbox memory limit (${options.memoryLimitMb} MB, ArrayBuffers included) and was stopped`);
        reclaimOrExit();
      }
      release();
    },
    broken(reason, _job, error: any) {
      release();
      const message = reason === 'timeout' ? `ran longer than ${options.timeout} ms and was stopped` : `stopped: ${error?.message ?? error}`;
      failAll(entry, reason === 'timeout' ? 'timeout' : 'broken', message);
    },
  });
}

/** Results of the entry that just ended, delivered after its memory check. */
const held: { entry: Entry; id: number; load: boolean; message: FromProcess }[] = [];

function release() {
  for (const { entry, id, load, message } of held.splice(0)) {
    if (!jobs.has(id)) continue;
    entry.context?.end(id);
    finish(id, message);
    if (load) drop(entry);
    else if (!entry.cacheSent && message.t === 'done' && message.error === undefined) sendCodeCache(entry);
  }
}

/** V8's code cache of a version that ran, for the pool to hand other processes: made once the answers are out. */
function sendCodeCache(entry: Entry) {
  entry.cacheSent = true;
  setTimeout(() => {
    const cache = entry.context?.disposed ? undefined : entry.context?.codeCache();
    if (cache) post({ t: 'cache', key: entry.key, data: cache.toString('base64') });
  }, 50).unref();
}

/** Every job of `entry` fails with `fault`; its context goes (it may hold a runaway chain). */
function failAll(entry: Entry, fault: 'timeout' | 'memory' | 'broken', message: string) {
  const ids = entry.context?.jobs() ?? [];
  drop(entry);
  // The host names the component (crashError, executionError): only what happened here.
  const error = JSON.stringify({ message });
  for (const id of ids) {
    const job = jobs.get(id);
    if (job) finish(id, { t: 'done', id, hit: job.hit, error, fault });
  }
}

function drop(entry: Entry) {
  entry.context?.dispose();
  if (components.get(entry.key) === entry) components.delete(entry.key);
}

function usedMemory() {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Over budget even after a collection. The component that just ran is taken to be the cause. */
function overBudget(): boolean {
  if (usedMemory() <= memoryLimit) return false;
  gc();
  return usedMemory() > memoryLimit;
}

/**
 * After a culprit lost its context, once this stack has unwound and its answers are on their
 * way: collect what it held, and give up (the pool replaces this process) if that is not enough.
 */
function reclaimOrExit() {
  setImmediate(() => {
    gc();
    gc();
    if (usedMemory() <= memoryLimit) return;
    process.send!([{ t: 'log', level: 'error', text: 'sandbox process still over its memory limit after dropping the culprit; exiting' }], () => process.exit(70));
  });
}

function run(message: Extract<ToProcess, { t: 'run' }>) {
  const key = `${message.name}@${message.version}`;
  let entry = components.get(key);
  // A hit: the version was compiled here and has already run (a source sent ahead is not one).
  const hit = entry?.context !== undefined && entry.used;
  jobs.set(message.id, { key, hit });
  if (entry) {
    // Most recently used goes last.
    components.delete(key);
    components.set(key, entry);
  } else {
    entry = { key, waiting: [], cacheSent: false, used: false };
    components.set(key, entry);
    post({ t: 'source', key, name: message.name, version: message.version });
    evict();
  }
  entry.used = true;
  if (entry.context) entry.context.run(message.id, message.kind, message.action ?? '', message.args);
  else entry.waiting.push(message);
}

/**
 * Share of the memory budget compiled components may fill before the least recently used idle
 * ones go. By count alone (`cacheSize`), 200 versions that each bundle a server renderer (about
 * 1.5 MB a context for React's) would fill 256 MB, and the component that happened to run at
 * that moment would be stopped for what all the others hold.
 */
const CACHE_MEMORY_SHARE = 0.5;

/** Makes room before a new version is compiled here: by count, then by memory. */
function evict() {
  const idle = () => [...components].filter(([, entry]) => entry.context && entry.context.jobs().length === 0);
  for (const [key, entry] of idle()) {
    if (components.size <= options.cacheSize) break;
    entry.context!.dispose();
    components.delete(key);
  }
  const budget = memoryLimit * CACHE_MEMORY_SHARE;
  if (usedMemory() <= budget) return;
  gc();
  let used = usedMemory();
  if (used <= budget) return;
  // A disposed context's memory comes back with the next collection: count each as the average
  // and drop, oldest first, down to three quarters of the share, so this is not back at once.
  const each = used / Math.max(1, components.size);
  for (const [key, entry] of idle()) {
    if (used <= budget * 0.75) break;
    entry.context!.dispose();
    components.delete(key);
    used -= each;
  }
  gc();
}

/**
 * A context made ahead, for the next version this process meets: its first render then only
 * compiles the version's code (a context and its globals take a couple of ms to make). Made
 * when the process is idle, never in the way of a job.
 */
let spare: Entry | undefined;
function prepareSpare() {
  setTimeout(() => {
    if (spare) return;
    if (jobs.size > 0) return prepareSpare();
    const entry: Entry = { key: '', waiting: [], cacheSent: false, used: false };
    entry.context = contextFor(entry);
    spare = entry;
  }, 20);
}

function loaded(message: Extract<ToProcess, { t: 'source' }>) {
  const known = components.get(message.key);
  if (known?.context) return;
  if (message.code === undefined) {
    components.delete(message.key);
    const error = JSON.stringify({ message: message.error ?? 'server code unavailable' });
    for (const job of known?.waiting ?? []) finish(job.id, { t: 'done', id: job.id, hit: false, error, load: true });
    return;
  }
  // The spare context becomes this version's (its callbacks belong to its own entry object).
  const entry = spare ?? { key: '', waiting: [], cacheSent: false, used: false };
  spare = undefined;
  entry.key = message.key;
  entry.waiting = known?.waiting ?? [];
  entry.used = known?.used ?? false;
  components.delete(message.key);
  components.set(message.key, entry);
  if (!known) evict();
  prepareSpare();
  const waiting = entry.waiting;
  entry.waiting = [];
  try {
    entry.context ??= contextFor(entry);
    entry.context.load(message.key, message.code, message.cache ? Buffer.from(message.cache, 'base64') : undefined);
  } catch (error: any) {
    // A syntax error: V8 compiled it in this realm, but only its text leaves.
    drop(entry);
    const info = JSON.stringify(failureInfo(error));
    for (const job of waiting) finish(job.id, { t: 'done', id: job.id, hit: false, error: info, load: true });
    return;
  }
  for (const job of waiting) entry.context.run(job.id, job.kind, job.action ?? '', job.args);
}

function handle(message: ToProcess) {
  switch (message.t) {
    case 'run':
      return run(message);
    case 'source':
      return loaded(message);
    case 'plugin': {
      const pending = pendingPlugins.get(message.id);
      pendingPlugins.delete(message.id);
      if (message.error !== undefined) pending?.fail(new Error(message.error));
      else pending?.ok(message.value ?? '');
      return;
    }
    case 'ping':
      return post({ t: 'beat' });
    case 'cancel': {
      const job = jobs.get(message.id);
      if (!job) return;
      jobs.delete(message.id);
      const entry = components.get(job.key);
      entry?.context?.end(message.id);
      // Still waiting for its source: it will not run.
      if (entry) entry.waiting = entry.waiting.filter((waiting) => waiting.id !== message.id);
      return;
    }
  }
}

process.on('message', (batch: ToProcess[]) => {
  for (const message of batch) handle(message);
});
// The registry went away: so do we.
process.on('disconnect', () => process.exit(0));
// A stray rejection or throw of server code must not take the process (and its neighbours) down.
// Neither reads what it was given: a component's object would run its getters outside any entry.
process.on('unhandledRejection', (reason) =>
  post({ t: 'log', level: 'error', text: `unhandled rejection in server code${reason instanceof Error ? `: ${reason.stack}` : ''}` }),
);
process.on('uncaughtException', (error) =>
  post({ t: 'log', level: 'error', text: `uncaught exception in the sandbox${error instanceof Error ? `: ${error.stack}` : ''}` }),
);

// While jobs run, a beat tells the pool this process is not stuck in one component's code.
setInterval(() => {
  if (jobs.size > 0) post({ t: 'beat' });
}, 25);
// Started: from now on this process's silence means it is held by a run.
post({ t: 'beat' });
prepareSpare();
