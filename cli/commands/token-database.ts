/**
 * The tokens of a registry's database, opened here: found as `mikr0 registry` finds it
 * (--config file, --data folder, MIKR0_DATABASE_URL) through registry-lite's public index.
 * SQLite's WAL mode lets this run while the registry is serving, and the registry sees new and
 * revoked tokens at once. The audit log records these changes as made by `cli (<os user>)`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseFromUrl, describeDatabase, openMetadata, resolveDatabase, type Actor, type DatabaseOption, type DatabaseSpec, type Metadata } from '../../registry-lite/index.js';
import { loadConfig } from '../config.js';
import { cliError, note } from '../output.js';
import type { TokenFlags, TokenStore } from './token.js';

interface Where {
  dataDir: string;
  database: unknown;
  /** The config file it came from, for messages. */
  file?: string;
  /** The database came from MIKR0_DATABASE_URL. */
  fromEnv?: boolean;
}

/**
 * Opens the database, runs `run` on its tokens, closes it. `creating`: the command makes a
 * token, so a missing database may be started, but only where the user pointed.
 */
export async function withDatabaseTokens(flags: TokenFlags, creating: boolean, run: (store: TokenStore) => Promise<void>): Promise<void> {
  // The same folder and database `mikr0 registry` would use with these flags: flags beat the config file.
  const { file, config } = await loadConfig(flags.config);
  // As the registry: the config file's database wins over MIKR0_DATABASE_URL.
  const fromEnv = config.database === undefined && process.env.MIKR0_DATABASE_URL ? databaseFromUrl(process.env.MIKR0_DATABASE_URL) : undefined;
  const where: Where = { dataDir: path.resolve(flags.data ?? config.dataDir ?? '.mikr0'), database: config.database ?? fromEnv, file, fromEnv: fromEnv !== undefined };
  // A new database only where the user pointed (--data, a config file, MIKR0_DATABASE_URL): one made in whatever
  // folder this happens to run in holds tokens no running registry knows ("Invalid credentials").
  const createIfMissing = creating && Boolean(flags.data || file || where.fromEnv);
  const metadata = open(where, createIfMissing, creating);
  const by = cliActor();
  try {
    await run({
      create: ({ scopes, label, names, expires }) => metadata.tokens.create(scopes, label, { names, expiresInMs: expires?.ms ?? null, by }),
      list: () => metadata.tokens.list(),
      revoke: (id) => metadata.tokens.revoke(id, by),
    });
  } finally {
    await metadata.close();
  }
}

function open(where: Where, createIfMissing: boolean, creating: boolean): Metadata {
  const check = where.fromEnv ? 'check MIKR0_DATABASE_URL' : where.file ? `check database in ${where.file}` : undefined;
  let spec: DatabaseSpec;
  try {
    spec = resolveDatabase(where.database, where.dataDir);
  } catch (error) {
    throw cliError((error as Error).message, check);
  }
  if (spec.type === 'memory' || (spec.type === 'sqlite' && spec.file === ':memory:')) {
    throw cliError(
      `the registry's database is in memory (${describeDatabase(spec)}): a token made here would be gone when this command ends`,
      where.file ? `give the registry a database file in ${where.file}` : 'give the registry a database file',
    );
  }
  const file = spec.type === 'sqlite' ? spec.file : undefined;
  const exists = file === undefined || fs.existsSync(file);
  if (!exists && !createIfMissing) {
    throw cliError(
      `no registry database at ${file}`,
      `looked in ${where.dataDir}; point --data <folder> at the folder the registry uses (its --data), or --config <file> at its config file` +
        (creating ? `\nto start a new database there, name the folder: --data ${path.relative(process.cwd(), where.dataDir) || '.'}` : '') +
        '\nor work through a running registry: --registry <url> with admin credentials',
    );
  }
  let metadata: Metadata;
  try {
    metadata = openMetadata({ dataDir: where.dataDir, database: databaseOption(spec) });
  } catch (error) {
    throw cliError(`cannot open ${describeDatabase(spec)}: ${(error as Error).message}`, check);
  }
  // A typo in --data would otherwise hand out a token no registry knows about.
  if (!exists) note(`created a new registry database at ${file}`);
  return metadata;
}

/** Who the audit log names for a change made here: the OS user, as there is no credential. */
function cliActor(): Actor {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    // A container user without a passwd entry.
    user = process.env.USER || process.env.USERNAME || 'unknown';
  }
  return { actor: `cli (${user})`, tokenId: null, address: 'local', requestId: null };
}

/** The resolved database as an option again: the same database the registry opens, never a stand-in file. */
function databaseOption(spec: DatabaseSpec): DatabaseOption {
  if (spec.type === 'backend') return spec.backend;
  if (spec.type === 'postgres') return { type: 'postgres', options: { connectionString: spec.connectionString, poolSize: spec.poolSize } };
  if (spec.type === 'memory') return { type: 'memory' };
  return spec.file;
}
