/** What the acceptance tests share: real npm in temp folders, with an environment free of the test runner's. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { root } from '../helpers.js';

export const run = promisify(execFile);
export const viteVersion: string = JSON.parse(await fs.readFile(path.join(root, 'node_modules/vite/package.json'), 'utf8')).version;

/** The user's environment: production, no colours, nothing of ours or vitest's. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' };
  for (const key of Object.keys(clean)) if (key.startsWith('MIKR0_') || key.startsWith('VITEST')) delete clean[key];
  return clean;
}

/** `npm pack` into `destination`; resolves with the tarball's path. */
export async function npmPack(cwd: string, destination: string, args: string[] = []): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', destination, ...args], { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
  return path.join(destination, stdout.trim().split('\n').pop()!);
}

/** `npm install <args>` in `cwd`; resolves with how long it took (ms), printed for the record. */
export async function npmInstall(cwd: string, args: string[]): Promise<number> {
  const started = performance.now();
  await run('npm', ['install', '--no-audit', '--no-fund', ...args], { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
  const ms = Math.round(performance.now() - started);
  const flags = args.filter((arg) => arg.startsWith('-'));
  console.log(`npm install${flags.map((flag) => ' ' + flag).join('')} in ${path.basename(cwd)}: ${(ms / 1000).toFixed(1)} s`);
  return ms;
}

/**
 * `npx --no-install <args>` as a server, in a process group of its own (npx starts the command
 * as its child: end the group with `process.kill(-child.pid)`); it is pushed to `children`
 * first, and the promise resolves with group 1 of `ready` once the output matches it.
 */
export function startServer(cwd: string, args: string[], ready: RegExp, children: ChildProcess[]): Promise<string> {
  const child = spawn('npx', ['--no-install', ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = ready.exec(out);
      if (match) clearTimeout(timer), resolve(match[1]);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}): ${out}`)));
  });
}
