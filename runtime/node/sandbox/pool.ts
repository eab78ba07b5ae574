/**
 * The sandbox pool's processes (process.ts, started by spawn.ts): a fixed number of them,
 * a spare started ahead so a process that ends is replaced without a cold start, and the
 * probation processes crashes.ts starts for the suspects of a crash. Each process is
 * watched: what blocks it is the business of interrupts.ts (`hooks.watch`), its resident
 * memory is checked here.
 *
 * A process's record (`Slot`) is the pool's whole knowledge of it: the jobs it runs, the
 * sources it holds, when it last spoke and whose code it is running.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createError, type Mikr0Error } from '../../shared/errors.js';
import type { ExecuteResult } from '../render.js';
import { createOutbox, RUNNING_FD, type FromProcess, type ProcessOptions, type ToProcess } from './protocol.js';
import { spawnSandboxProcess } from './spawn.js';
import type { Logger } from './index.js';

export type RunMessage = Extract<ToProcess, { t: 'run' }>;

export interface Job {
  id: number;
  key: string;
  message: RunMessage;
  resolve: (result: ExecuteResult) => void;
  reject: (error: Mikr0Error) => void;
  timer: NodeJS.Timeout;
  retried: boolean;
}

export interface Slot {
  child: ChildProcess;
  send: (message: ToProcess) => void;
  jobs: Map<number, Job>;
  lastHeard: number;
  /** It has said something: started, so its silence means something. */
  ready: boolean;
  started: Promise<void>;
  /** Versions whose source was sent (true) or is on its way to this process; it asks for any it dropped. */
  sources: Map<string, Promise<void> | true>;
  /** Versions whose home this is. */
  homes: number;
  /** The version whose code the process entered last (see `RUNNING_FD`): the one holding it when it is silent. */
  running?: string;
  /** Set when the pool ends the process on purpose (and why, when it is a failure). */
  ending?: string;
  /** A process of its own for the suspects of one version after a crash. */
  probation: boolean;
  watch: NodeJS.Timeout;
  /** When an overdue job made the pool ask the process whether it still answers. */
  pingAt?: number;
  /** When the pool interrupted the process's current run. */
  interruptedAt?: number;
}

/** No message for this long while jobs run: the process is held by some component's code. */
const BUSY_MS = 100;
const PAGE_SIZE = 4096;
/** How often each process is checked: blocked, over its memory. */
const WATCH_MS = 100;
const HAS_PROC = existsSync('/proc/self/statm');

/**
 * Held by some run of server code: work there and silence for a while (a starting process is
 * not), or a ping or interrupt not answered yet. The latter holds with no job left: a job that
 * overstays is answered at its deadline, and its code may go on running (or fill the heap and
 * crash the process) until the process answers again.
 */
export function busy(slot: Slot, now: number) {
  if (slot.pingAt !== undefined || slot.interruptedAt !== undefined) return true;
  return slot.ready && slot.jobs.size > 0 && now - slot.lastHeard > BUSY_MS;
}

export interface PoolHooks {
  message(slot: Slot, message: FromProcess): void;
  /** Checked every WATCH_MS: is the process held up, or stuck? */
  watch(slot: Slot): void;
  /** A process that had work, or was ended for a failure, has ended; `jobs` were in flight there. */
  exit(slot: Slot, jobs: Job[], code: number | null, signal: string | null): void;
}

export interface PoolOptions {
  processOptions: ProcessOptions;
  /** Processes besides the spare and the probation ones. */
  size: number;
  logger: Logger;
  hooks: PoolHooks;
}

export interface Pool {
  /** The pool's processes (live: a process that ends is replaced in place). */
  readonly slots: Slot[];
  readonly closed: boolean;
  /** Starts the processes (and the spare) that are not running yet. */
  ensure(): void;
  /** A process of its own for the suspects of one version; it ends once it has no jobs. */
  probation(): Slot;
  /** Ends a process; `reason`, when given, is the failure the jobs still there are told. */
  end(slot: Slot, reason?: string): void;
  /** The process job `id` is in, if any. */
  holder(id: number): Slot | undefined;
  /** Refuses every job still in flight and ends every process; resolves once all have exited. */
  close(): Promise<void>;
}

export function createPool({ processOptions, size, logger, hooks }: PoolOptions): Pool {
  const { memoryLimitMb } = processOptions;
  // Resident memory beyond the budget: the process baseline and V8's own overhead.
  const rssLimit = (memoryLimitMb * 1.25 + 128) * 1024 * 1024;
  const slots: Slot[] = [];
  let spare: Slot | undefined;
  const probations = new Set<Slot>();
  let closed = false;

  function spawn(probation = false): Slot {
    const child = spawnSandboxProcess(processOptions);
    const slot: Slot = {
      child,
      send: createOutbox((batch) => {
        if (child.connected) child.send(batch);
      }),
      jobs: new Map(),
      lastHeard: performance.now(),
      ready: false,
      sources: new Map(),
      started: new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.once('exit', () => resolve());
      }),
      homes: 0,
      probation,
      watch: setInterval(() => {
        hooks.watch(slot);
        checkResident(slot);
      }, WATCH_MS).unref(),
    };
    if (probation) probations.add(slot);
    child.on('message', (batch: FromProcess[]) => {
      slot.lastHeard = performance.now();
      slot.ready = true;
      slot.pingAt = slot.interruptedAt = undefined;
      for (const message of batch) hooks.message(slot, message);
    });
    // One line per change of version; only the last complete line matters.
    let partial = '';
    child.stdio[RUNNING_FD]?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('latin1')).split('\n');
      partial = lines.pop()!;
      if (lines.length) slot.running = lines[lines.length - 1];
    });
    child.on('error', (error) => logger.error(`mikr0 sandbox: a sandbox process failed: ${error.message}`));
    child.on('exit', (code, signal) => onExit(slot, code, signal));
    return slot;
  }

  /** Resident memory, read from /proc where there is one (Linux); elsewhere the process checks itself. */
  function checkResident(slot: Slot) {
    if (!HAS_PROC || slot.ending !== undefined || slot.child.pid === undefined) return;
    let pages: number;
    try {
      pages = Number(readFileSync(`/proc/${slot.child.pid}/statm`, 'utf8').split(' ')[1]);
    } catch {
      return;
    }
    if (pages * PAGE_SIZE > rssLimit) end(slot, `went over the sandbox memory limit (${memoryLimitMb} MB)`);
  }

  function end(slot: Slot, reason?: string) {
    if (slot.ending !== undefined) return;
    slot.ending = reason ?? '';
    clearInterval(slot.watch);
    slot.child.kill('SIGKILL');
  }

  /** A live process for the pool, from the spare when there is one. */
  function fresh(): Slot {
    const slot = spare ?? spawn();
    spare = undefined;
    if (!closed) setImmediate(() => !closed && !spare && (spare = spawn()));
    return slot;
  }

  function onExit(slot: Slot, code: number | null, signal: string | null) {
    clearInterval(slot.watch);
    probations.delete(slot);
    const index = slots.indexOf(slot);
    if (index >= 0 && !closed) {
      slots[index] = fresh();
      slots[index].homes = 0;
    }
    if (slot === spare) spare = undefined;
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    if (closed || (slot.ending === '' && jobs.length === 0)) return;
    hooks.exit(slot, jobs, code, signal);
  }

  return {
    slots,
    get closed() {
      return closed;
    },
    ensure() {
      while (slots.length < size) slots.push(spawn());
      if (!spare) spare = spawn();
    },
    probation: () => spawn(true),
    end,
    holder(id) {
      const slot = [...slots, ...(spare ? [spare] : [])].find((s) => s.jobs.has(id));
      if (slot) return slot;
      for (const candidate of probations) if (candidate.jobs.has(id)) return candidate;
      return undefined;
    },
    async close() {
      closed = true;
      const all = [...slots.splice(0), ...(spare ? [spare] : []), ...probations];
      spare = undefined;
      for (const slot of all) {
        for (const job of slot.jobs.values()) {
          clearTimeout(job.timer);
          job.reject(createError({ status: 503, code: 'UNAVAILABLE', message: 'The registry is shutting down' }));
        }
        slot.jobs.clear();
      }
      await Promise.all(
        all.map(
          (slot) =>
            new Promise<void>((done) => {
              if (slot.child.exitCode !== null || slot.child.signalCode !== null) return done();
              slot.child.once('exit', () => done());
              end(slot);
            }),
        ),
      );
    },
  };
}
