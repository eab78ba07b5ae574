/**
 * Child processes of the built CLI (dist/cli/index.js) for the CLI tests: what a user runs,
 * with a clean environment, and servers stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { cli as builtCli } from '../helpers.js';

/** The built CLI; MIKR0_TEST_CLI points the tests at another build (e.g. an older one, to compare). */
const cli = process.env.MIKR0_TEST_CLI ?? builtCli;

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ms between the last output chunk and the process's exit: the lag after its work is done. */
  lag: number;
}

/** The children must not pick up a developer's MIKR0_* settings, nor colour their output. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('MIKR0_')) delete env[key];
  return env;
}

export function mikr0(args: string[], cwd?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: childEnv(), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let last = performance.now();
    let exited: number | undefined;
    child.stdout.on('data', (chunk) => ((stdout += chunk), (last = performance.now())));
    child.stderr.on('data', (chunk) => ((stderr += chunk), (last = performance.now())));
    child.on('exit', () => (exited = performance.now()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, lag: (exited ?? performance.now()) - last }));
  });
}

export interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

const running = new Set<ChildProcess>();

/** Starts `mikr0 registry ...` and resolves once it has printed its whole banner. */
export function startRegistryCli(args: string[]): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'registry', ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`registry did not start:\n${out}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match && /auth: .*\n/.test(out)) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => out });
      }
    });
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      running.delete(child);
      clearTimeout(timer);
      reject(new Error(`registry exited with ${code}:\n${out}`));
    });
  });
}

/** SIGTERM by PID and wait for the exit code (the CLI closes cleanly and exits 0). */
export function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    process.kill(child.pid!, 'SIGTERM');
  });
}

/** Stops every registry this test file started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stop(child)));
}

/** A plain HTTP server on a random loopback port (not a registry); closed with `close()`. */
export async function plainServer(handler: http.RequestListener): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A port nothing listens on: bind one, then let it go. */
export async function closedPort(): Promise<number> {
  const server = await plainServer(() => {});
  await server.close();
  return server.port;
}
