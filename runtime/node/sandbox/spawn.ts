/**
 * How a sandbox process starts: with the least rights Node gives. No code generation from
 * strings, the permission model on (file reads limited to the sandbox's own code and the
 * allow-listed packages; no file writes, no child processes, no workers, no addons), a heap
 * limit, and an empty environment (no registry credentials, no database URL, no NODE_OPTIONS).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtPath } from '../package-root.js';
import type { ProcessOptions } from './protocol.js';

// A sandbox process runs process.js, built next to this file. Loaded from source (the tests
// import the .ts files through vitest) this folder has only process.ts, which Node 20 cannot
// run: the process runs the built copy in dist/ instead (`npm test` builds before it tests),
// and that is the folder it may read.
const here = path.dirname(fileURLToPath(import.meta.url));
const processDir = import.meta.url.endsWith('.ts') ? builtPath('runtime', 'node', 'sandbox') : here;
const entry = path.join(processDir, 'process.js');
// Node 20 calls it --experimental-permission; 22 and later --permission.
const permissionFlag = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';

/** The folders a sandbox process may read: its own code, and the packages server code may require. */
export function readablePaths(options: Pick<ProcessOptions, 'dependencies' | 'root'>): string[] {
  const paths = [path.join(processDir, '*')];
  const needsPackages = options.dependencies === true || options.dependencies.some((d) => !d.startsWith('node:'));
  if (needsPackages) paths.push(path.join(path.resolve(options.root), 'node_modules', '*'));
  return paths;
}

export function sandboxArgv(options: ProcessOptions): string[] {
  return [
    permissionFlag,
    ...readablePaths(options).map((p) => `--allow-fs-read=${p}`),
    '--disallow-code-generation-from-strings',
    // Keeps Node's SIGINT watchdog thread alive for the life of the process, so each run of
    // server code can be interruptible (breakOnSigint) without starting and joining a thread.
    // A SIGINT outside any run prints where the process was and ends it; the pool replaces it.
    '--trace-sigint',
    // Only so that import() in server code can be refused with an error of its own realm.
    '--experimental-vm-modules',
    '--disable-warning=ExperimentalWarning',
    `--max-old-space-size=${options.memoryLimitMb}`,
  ];
}

export function spawnSandboxProcess(options: ProcessOptions): ChildProcess {
  return fork(entry, [JSON.stringify(options)], {
    execArgv: sandboxArgv(options),
    env: {},
    // stderr stays the registry's: V8's own fatal messages (out of memory) land in its log.
    // fd 3 carries the messages, fd 4 (RUNNING_FD) whose code runs.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc', 'pipe'],
    serialization: 'json',
    // A process group of its own: Ctrl+C in the registry's terminal is the registry's to
    // handle (it closes the sandbox); SIGINT to a sandbox process means "stop this run".
    // Orphans do not linger: a sandbox process exits when its channel to the registry closes.
    detached: true,
  });
}
