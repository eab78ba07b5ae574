/**
 * Real storage emulators for the cloud driver tests, each a child process on a random loopback
 * port with a temp folder of its own: s3rver for S3, Azurite (blob service only) for Azure Blob.
 * Both are devDependencies, so a fresh checkout (CI, as root) needs nothing installed by hand.
 * Each runs in a process group of its own (`detached`), stopped by its PID, never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Azurite's fixed development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** s3rver's fixed key pair. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * s3rver 3.7 on port 0, its store made atomic (see ATOMIC_S3RVER). `--openssl-legacy-provider`:
 * its continuation tokens are DES-encrypted, which OpenSSL 3 (Node 17+) refuses without the
 * legacy provider, so paging would fail.
 */
export function startS3rver(): Promise<Emulator> {
  const s3rver = packageDir('s3rver');
  return start('s3rver', async (dir) => {
    const preload = join(dir, 'atomic-store.cjs');
    await writeFile(preload, ATOMIC_S3RVER.replace('STORE', JSON.stringify(join(s3rver, 'lib', 'stores', 'filesystem.js'))));
    return [
      ...['--openssl-legacy-provider', '--require', preload, join(s3rver, 'bin', 's3rver.js')],
      ...['--directory', join(dir, 'data'), '--address', '127.0.0.1', '--port', '0', '--silent'],
    ];
  }, /S3rver listening on ([\d.]+):(\d+)/);
}

/**
 * S3 replaces an object atomically; s3rver's filesystem store does not: it answers a PUT before
 * the file is written, rewrites the file in place (a concurrent GET gets a torn body) and prunes
 * folders without care (a PUT racing a DELETE in one folder crashes it). So that the conformance
 * suite tests the driver rather than these bugs, s3rver runs with this preload: every file of a
 * PUT is written as temp file + rename, and pruning leaves a folder a writer just used. A temp
 * file (`<key>._S3rver_object.<hex>.tmp`) does not end in `._S3rver_object`, the only files
 * s3rver lists, so it never shows up as a key.
 */
const ATOMIC_S3RVER = `
const { createHash, randomBytes } = require('node:crypto');
const fs = require('node:fs/promises');
const path = require('node:path');
const Store = require(STORE);

async function replace(file, data) {
  for (let attempt = 1; ; attempt++) {
    const temp = file + '.' + randomBytes(8).toString('hex') + '.tmp';
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temp, data);
      return await fs.rename(temp, file);
    } catch (error) {
      if (error.code !== 'ENOENT' || attempt === 5) throw error; // a DELETE pruned the folder meanwhile
    }
  }
}

Store.prototype.putObject = async function (object) {
  const chunks = [];
  if (Buffer.isBuffer(object.content)) chunks.push(object.content);
  else for await (const chunk of object.content) chunks.push(chunk);
  const content = Buffer.concat(chunks);
  const md5 = createHash('md5').update(content).digest('hex');
  await replace(this.getResourcePath(object.bucket, object.key, 'object.md5'), md5);
  await replace(this.getResourcePath(object.bucket, object.key, 'metadata.json'), JSON.stringify(object.metadata));
  await replace(this.getResourcePath(object.bucket, object.key, 'object'), content);
  return { size: content.length, md5 };
};

Store.prototype.deleteObject = async function (bucket, key) {
  for (const part of ['object', 'object.md5', 'metadata.json']) await fs.rm(this.getResourcePath(bucket, key, part), { force: true });
  const folders = key.split('/').slice(0, -1);
  for (; folders.length > 0; folders.pop()) {
    try {
      await fs.rmdir(path.join(this.getBucketPath(bucket), ...folders));
    } catch {
      return; // not empty (or just written to): keep it
    }
  }
};
`;

/** Azurite's blob service on port 0, in loose mode, without its telemetry (it would call Azure). */
export function startAzurite(): Promise<Emulator> {
  return start('azurite', async (dir) => [
    join(packageDir('azurite'), 'dist', 'src', 'blob', 'main.js'),
    ...['--blobHost', '127.0.0.1', '--blobPort', '0', '--location', dir],
    ...['--silent', '--skipApiVersionCheck', '--loose', '--disableTelemetry'],
  ], /listens on http:\/\/([\d.]+):(\d+)/);
}

/** Starts `node <args>`, resolves once its output says where it listens; rejects (and cleans up) if it exits first. */
async function start(name: string, args: (dir: string) => Promise<string[]>, listening: RegExp): Promise<Emulator> {
  const dir = await mkdtemp(join(tmpdir(), `mikr0-${name}-`));
  const child = spawn(process.execPath, await args(dir), { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A worker that exits without running afterAll (a timeout, an error) must not leave it running.
  const killOnExit = () => kill(child, 'SIGKILL');
  process.once('exit', killOnExit);

  async function stop() {
    process.off('exit', killOnExit);
    kill(child, 'SIGTERM');
    const timer = setTimeout(() => kill(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
  }

  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not listen within 20 s:\n${output}`)), 20_000);
      let found = false;
      const read = (chunk: Buffer) => {
        if (found) return; // the rest is only drained, so a full pipe never blocks the emulator
        output += chunk;
        const match = listening.exec(output);
        if (match) {
          found = true;
          clearTimeout(timer);
          resolve(`http://${match[1]}:${match[2]}`);
        }
      };
      child.stdout!.on('data', read);
      child.stderr!.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before listening:\n${output}`));
      });
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, signal); // the whole group: the emulator and anything it started
  } catch {
    // already gone
  }
}
