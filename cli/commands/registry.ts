/** `mikr0 registry`: runs registry-lite on its own until SIGINT/SIGTERM. */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRegistry, type Registry, type RegistryOptions } from '../../registry-lite/index.js';
import { loadConfig } from '../config.js';
import { cliError, color, note, print } from '../output.js';

export interface RegistryFlags {
  port?: number | string;
  host?: string;
  data?: string;
  config?: string;
  logFormat?: string;
}

type LogFormat = NonNullable<RegistryOptions['logFormat']>;
/** Checked by the compiler both ways against the option's type, as registryOptionKeys is. */
const LOG_FORMATS = Object.keys({ pretty: true, json: true } satisfies Record<LogFormat, true>) as LogFormat[];

const DEFAULT_PORT = 4910;
const DEFAULT_HOST = '127.0.0.1';

export async function registry(flags: RegistryFlags): Promise<void> {
  const { file, config } = await loadConfig(flags.config);
  const { port: configPort, host: configHost, ...options } = config;
  // Flags beat the config file, which beats the defaults.
  const port = parsePort(flags.port ?? configPort ?? DEFAULT_PORT);
  const host = String(flags.host ?? configHost ?? DEFAULT_HOST);
  const dataDir = path.resolve(flags.data ?? options.dataDir ?? '.mikr0');
  const logFormat = parseLogFormat(flags.logFormat) ?? options.logFormat;

  // Before anything is created: a port in use must not leave a fresh data folder behind.
  if (port !== 0) await checkPort(port, host);
  const newDataDir = !fs.existsSync(dataDir);

  let instance: Registry;
  try {
    instance = createRegistry({ ...options, dataDir, logFormat });
  } catch (error) {
    // Option checks throw TypeErrors written for humans; anything else (a locked or newer database) too.
    throw cliError((error as Error).message, file ? `check ${file}` : undefined);
  }

  let url: string;
  try {
    ({ url } = await instance.listen(port, host));
  } catch (error) {
    await instance.close().catch(() => {});
    // Lost a race for the port after the check, or a dependency is misconfigured: remove what this run made.
    if (newDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    // A database or storage that does not answer: listen() says which setting, in one line.
    if (!(error as NodeJS.ErrnoException).syscall) throw cliError((error as Error).message, file ? `check ${file}` : undefined);
    throw listenError(error as NodeJS.ErrnoException, port, host);
  }

  const auth = describeAuth(options.auth?.username ?? process.env.MIKR0_ADMIN_USER);
  if ((logFormat ?? process.env.MIKR0_LOG_FORMAT) === 'json') {
    // The banner as one more line of the JSON stream (pino's shape), so stdout stays parseable.
    const where = { data: dataDir, ...instance.where, auth, ...(file ? { config: file } : {}) };
    print(JSON.stringify({ level: 30, time: new Date().toISOString(), msg: 'listening', url, ...where }));
    return stopOnSignals(instance);
  }
  // One write, so whoever reads the output (a supervisor, a test) gets the whole banner at once.
  const banner = [
    `mikr0 registry listening on ${color.cyan(url)}`,
    `  data:     ${dataDir}`,
    `  database: ${instance.where.database}`,
    `  storage:  ${instance.where.storage}`,
    `  auth:     ${auth}`,
    ...(file ? [`  config:   ${file}`] : []),
    color.dim('  press Ctrl+C to stop'),
  ];
  print(banner.join('\n'));
  stopOnSignals(instance);
}

function parseLogFormat(value: string | undefined): LogFormat | undefined {
  if (value === undefined || LOG_FORMATS.includes(value as LogFormat)) return value as LogFormat | undefined;
  throw cliError(`"${value}" is not a log format`, `use --log-format ${LOG_FORMATS.join(' or --log-format ')}`);
}

function parsePort(value: number | string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw cliError(`"${value}" is not a port`, 'use --port <0-65535> (0 picks a free port)');
  }
  return port;
}

/** Binds and lets go of the port, so a taken one is reported before the database is opened. */
function checkPort(port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(listenError(error as NodeJS.ErrnoException, port, host)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string) {
  if (error.code === 'EADDRINUSE') {
    return cliError(
      `port ${port} is already in use on ${host}`,
      `stop whatever uses it, or pick another with --port <n> (--port 0 picks a free one)`,
    );
  }
  if (error.code === 'EACCES') {
    return cliError(`not allowed to listen on port ${port}`, 'ports below 1024 need privileges: use --port 4910');
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return cliError(`cannot listen on host "${host}": no such local address`, 'use --host 127.0.0.1 or --host 0.0.0.0');
  }
  return cliError(`cannot listen on ${host}:${port}: ${error.message}`);
}

function describeAuth(adminUser: string | undefined): string {
  return adminUser
    ? `admin user "${adminUser}" (Basic) and API tokens`
    : 'API tokens only (create one with: mikr0 token create --scope publish)';
}

/** Stops cleanly (workers, database) once; a second Ctrl+C while closing exits at once. */
function stopOnSignals(instance: Registry) {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    note(`${signal}: stopping the registry...`);
    instance.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`error: closing the registry failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
