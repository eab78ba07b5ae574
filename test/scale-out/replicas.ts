/**
 * Registry replicas as separate OS processes of the built CLI (`mikr0 registry --config`),
 * each with a config file and a data folder of its own, all on one database and one bucket.
 * Each runs in a process group of its own (`detached`), so a crash (`crash()`: SIGKILL to the
 * group) takes its sandbox processes with it, as a lost machine would; stopped by PID only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cli } from '../helpers.js';
import { childEnv, mikr0 } from '../cli/process.js';

export const ADMIN = { username: 'admin', password: 'replicas-admin-secret' };
export const adminAuth = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

export interface Replica {
  label: string;
  url: string;
  pid: number;
  /** Everything it printed so far. */
  output(): string;
  /** SIGKILL to its whole process group: no close, no cleanup. */
  crash(): Promise<void>;
  /** SIGTERM (it closes cleanly), SIGKILL to the group after 5 s. */
  stop(): Promise<void>;
}

/** Writes `<dir>/mikr0.config.mjs` for one replica: shared database and storage, its own data folder. */
export async function writeConfig(dir: string, options: { database: unknown; storage: unknown }): Promise<string> {
  const file = path.join(dir, 'mikr0.config.mjs');
  const config = { dataDir: './data', ...options, auth: ADMIN, ui: false, processes: 2 };
  await writeFile(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return file;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Starts `mikr0 registry --config <file> --port 0`; resolves once its banner is printed. */
export function startReplica(label: string, config: string): Promise<Replica> {
  const child = spawn(process.execPath, [cli, 'registry', '--config', config, '--port', '0'], {
    env: childEnv(),
    cwd: path.dirname(config),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (killGroup(child, 'SIGKILL'), reject(new Error(`${label} did not start within 30 s:\n${out}`))), 30_000);
    const onExit = (code: number | null) => (clearTimeout(timer), reject(new Error(`${label} exited (${code}) before listening:\n${out}`)));
    child.once('exit', onExit);
    const check = () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!match || !/auth: .*\n/.test(out)) return;
      child.stdout!.off('data', check);
      child.off('exit', onExit);
      clearTimeout(timer);
      resolve({
        label,
        url: match[1],
        pid: child.pid!,
        output: () => out,
        async crash() {
          killGroup(child, 'SIGKILL');
          await exited;
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          process.kill(child.pid!, 'SIGTERM');
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
          killGroup(child, 'SIGKILL'); // a sandbox process left behind
        },
      });
    };
    child.stdout!.on('data', check);
  });
}

/** A publish token made by `mikr0 token create --config <file>`, on the replicas' database. */
export async function createToken(config: string): Promise<string> {
  const result = await mikr0(['token', 'create', '--scope', 'publish', '--label', 'replicas', '--config', config], path.dirname(config));
  if (result.code !== 0) throw new Error(`mikr0 token create failed (${result.code}):\n${result.stderr}`);
  return result.stdout.trim();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` every `every` ms until it returns true; resolves with the ms from `since`
 * (a `performance.now()`, default the call) to the answer that said true, or with Infinity
 * after `within` ms, so that a test reports the figure rather than a timeout.
 */
export async function until(probe: () => Promise<boolean>, { every = 10, within = 5000, since = performance.now() } = {}): Promise<number> {
  for (;;) {
    if (await probe().catch(() => false)) return performance.now() - since;
    if (performance.now() - since > within) return Infinity;
    await sleep(every);
  }
}

/** `GET /r/component/<name>/<range>` → status and the version it answered with. */
export async function render(url: string, name: string, range: string): Promise<{ status: number; version?: string; data?: unknown }> {
  const res = await fetch(`${url}/r/component/${name}/${range}`);
  const body = (await res.json().catch(() => ({}))) as { version?: string; data?: unknown };
  return { status: res.status, version: body.version, data: body.data };
}
