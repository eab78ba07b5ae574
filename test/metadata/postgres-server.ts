/**
 * A real PostgreSQL for the tests: Debian's package (`apt-get install postgresql`), a fresh
 * cluster (`initdb`) in a temp folder, on a random port of 127.0.0.1, stopped by its PID and
 * its folder removed afterwards. One server per test file; `createDatabase()` gives each test
 * a database of its own. PostgreSQL refuses to run as root, so under root (CI) the cluster
 * belongs to the package's `postgres` user and the server runs as that user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const INSTALL = 'PostgreSQL is needed for these tests and is not installed: apt-get install postgresql';
/** The cluster's superuser; it logs in over TCP with a password, so a wrong one is refused. */
const ADMIN = { user: 'mikr0_admin', password: 'admin-secret' };

export interface PostgresServer {
  host: string;
  port: number;
  /** A connection string to `database` (default `postgres`) as the superuser, or as `user`/`password`. */
  url(database?: string, login?: { user: string; password: string }): string;
  /** A new empty database; `drop()` removes it, closing whatever is still connected. */
  createDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }>;
  /** Runs one statement as the superuser on `database` (default `postgres`). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[], database?: string): Promise<T[]>;
  /** Stops the server process but keeps its data and port: the database goes away, as in an outage. */
  halt(): Promise<void>;
  /** Starts a halted server again, same port, same data; resolves once it answers. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** The folder of initdb and postgres: the highest /usr/lib/postgresql/<major>/bin, else the one on PATH. */
export function findPostgresBin(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base) ? readdirNumbers(base) : [];
  for (const major of majors) {
    const bin = join(base, String(major), 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error(INSTALL);
}

function readdirNumbers(dir: string): number[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => b - a);
}

/** uid and gid of the `postgres` system user (created by Debian's package), for running as root. */
function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error(`Running as root, PostgreSQL needs the "postgres" system user, which is missing: ${INSTALL}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], as: { uid: number; gid: number } | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...as, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed (${code}):\n${out}`))));
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const as = process.getuid?.() === 0 ? postgresUser() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'mikr0-postgres-'));
  const data = join(dir, 'data');
  const passwordFile = join(dir, 'password');
  await writeFile(passwordFile, `${ADMIN.password}\n`);
  if (as) {
    await chown(dir, as.uid, as.gid);
    await chown(passwordFile, as.uid, as.gid);
  }
  let child: ChildProcess | undefined;
  let log = '';
  const kill = () => child?.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL');
  try {
    await run(join(bin, 'initdb'), ['-D', data, '-U', ADMIN.user, `--pwfile=${passwordFile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync'], as);
    const launch = (port: number) => {
      child = spawn(
        join(bin, 'postgres'),
        ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off',
          '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
        { ...as, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout!.on('data', (chunk) => (log += chunk));
      child.stderr!.on('data', (chunk) => (log += chunk));
      return child;
    };
    // A test process that dies leaves no server behind.
    process.once('exit', kill);
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const admin = (database = 'postgres') => `postgres://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${port}/${database}`;
      if (await ready(launch(port), admin())) return serve(() => child!, () => launch(port), port, admin, dir, kill);
      if (attempt === 2 || !/could not bind|Address already in use/.test(log)) throw new Error(`PostgreSQL did not start:\n${log}`);
    }
  } catch (error) {
    kill();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Polls until the server answers (true) or its process has ended (false). */
async function ready(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('PostgreSQL did not answer within 20 s');
}

function serve(
  current: () => ChildProcess,
  relaunch: () => ChildProcess,
  port: number,
  admin: (database?: string) => string,
  dir: string,
  kill: () => void,
): PostgresServer {
  /** SIGINT is PostgreSQL's "fast shutdown": clients are disconnected, nothing is waited for. */
  async function shutDown() {
    const child = current();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid!, 'SIGINT');
    const timer = setTimeout(kill, 10_000);
    await exited;
    clearTimeout(timer);
  }
  let databases = 0;
  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ connectionString: admin(database) });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }
  return {
    host: '127.0.0.1',
    port,
    url: (database = 'postgres', login) =>
      login ? `postgres://${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}@127.0.0.1:${port}/${database}` : admin(database),
    async createDatabase() {
      const name = `mikr0_test_${process.pid}_${++databases}`;
      await query(`CREATE DATABASE ${name}`);
      return { name, url: admin(name), drop: async () => void (await query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
    },
    query,
    halt: shutDown,
    async resume() {
      const child = current();
      if (child.exitCode === null && child.signalCode === null) return;
      // The port was this server's a moment ago; nothing else on the machine is expected to take it meanwhile.
      if (!(await ready(relaunch(), admin()))) throw new Error(`PostgreSQL did not start again on port ${port}`);
    },
    async stop() {
      await shutDown();
      process.off('exit', kill);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
