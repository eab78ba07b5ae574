/**
 * `mikr0 token create|list|revoke`: works on the registry's metadata directly, so no server
 * (and no admin credentials) is needed: access to the database is the authority. The
 * database is found as `mikr0 registry` finds it (--config file, --data folder), and opened
 * through registry-lite's public index. SQLite's WAL mode lets this run while the registry
 * is serving, and the registry sees new and revoked tokens at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { databaseFromUrl, describeDatabase, openMetadata, resolveDatabase, SCOPES, type DatabaseOption, type DatabaseSpec, type Metadata, type Scope } from '../../registry-lite/index.js';
import { loadConfig } from '../config.js';
import { cliError, color, note, print, table } from '../output.js';

export interface TokenFlags {
  scope?: string | string[];
  label?: string;
  data?: string;
  config?: string;
}

type Tokens = Metadata['tokens'];

interface Where {
  dataDir: string;
  database: unknown;
  /** The config file it came from, for messages. */
  file?: string;
  /** The database came from MIKR0_DATABASE_URL. */
  fromEnv?: boolean;
}

const ACTIONS = ['create', 'list', 'revoke'];

export async function token(action: string, id: string | undefined, flags: TokenFlags): Promise<void> {
  if (!ACTIONS.includes(action)) {
    throw cliError(`unknown token action "${action}"`, `use one of: ${ACTIONS.map((a) => `mikr0 token ${a}`).join(', ')}`);
  }
  // Checked before opening, so a bad scope does not leave a fresh database behind.
  const scopes = action === 'create' ? parseScopes(flags.scope) : [];
  if (action === 'revoke' && !id) throw cliError('which token? pass its id', 'e.g. mikr0 token revoke abc123def456 (ids are in: mikr0 token list)');
  // The same folder and database `mikr0 registry` would use with these flags: flags beat the config file.
  const { file, config } = await loadConfig(flags.config);
  // As the registry: the config file's database wins over MIKR0_DATABASE_URL.
  const fromEnv = config.database === undefined && process.env.MIKR0_DATABASE_URL ? databaseFromUrl(process.env.MIKR0_DATABASE_URL) : undefined;
  const where: Where = { dataDir: path.resolve(flags.data ?? config.dataDir ?? '.mikr0'), database: config.database ?? fromEnv, file, fromEnv: fromEnv !== undefined };
  if (action === 'create') {
    const label = flags.label === undefined ? '' : String(flags.label);
    // A new database only where the user pointed (--data, a config file, MIKR0_DATABASE_URL): one made in whatever
    // folder this happens to run in holds tokens no running registry knows ("Invalid credentials").
    return withTokens(where, Boolean(flags.data || file || where.fromEnv), (tokens) => create(tokens, scopes, label), true);
  }
  if (action === 'list') return withTokens(where, false, (tokens) => list(tokens));
  return withTokens(where, false, (tokens) => revoke(tokens, id!));
}

async function withTokens(where: Where, createIfMissing: boolean, run: (tokens: Tokens) => Promise<void>, creating = false) {
  const check = where.fromEnv ? 'check MIKR0_DATABASE_URL' : where.file ? `check database in ${where.file}` : undefined;
  let spec: ReturnType<typeof resolveDatabase>;
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
        (creating ? `\nto start a new database there, name the folder: --data ${path.relative(process.cwd(), where.dataDir) || '.'}` : ''),
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
  try {
    await run(metadata.tokens);
  } finally {
    await metadata.close();
  }
}

function parseScopes(raw: TokenFlags['scope']): Scope[] {
  const valid = `valid scopes: ${SCOPES.join(', ')}`;
  if (raw === undefined || raw === '' || (raw as unknown) === true) {
    throw cliError('a token needs a scope: pass --scope publish or --scope admin', valid);
  }
  const scopes = [raw].flat().flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (unknown.length) throw cliError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}`, valid);
  return [...new Set(scopes)] as Scope[];
}

async function create(tokens: Tokens, scopes: Scope[], label: string) {
  const { token, info } = await tokens.create(scopes, label);
  // Only the token on stdout, so `MIKR0_TOKEN=$(mikr0 token create ...)` captures exactly it.
  print(token);
  note(`created ${scopes.join(',')} token ${info.id}${label ? ` (${label})` : ''}: it is shown once, store it as MIKR0_TOKEN`);
}

async function list(store: Tokens) {
  const tokens = await store.list();
  if (tokens.length === 0) {
    note('no tokens yet: create one with mikr0 token create --scope publish');
    return;
  }
  const day = (iso: string | null) => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');
  const rows = tokens.map((t) => [
    t.id,
    t.label || '-',
    t.scopes.join(','),
    day(t.createdAt),
    day(t.lastUsedAt),
    t.revoked ? color.red('revoked') : '-',
  ]);
  print(table(['ID', 'LABEL', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'], rows));
}

async function revoke(tokens: Tokens, id: string) {
  if (!(await tokens.revoke(id))) {
    throw cliError(`no active token "${id}"`, 'it may be revoked already; see the ids with: mikr0 token list');
  }
  print(`revoked token ${id}`);
}

/** The resolved database as an option again: the same database the registry opens, never a stand-in file. */
function databaseOption(spec: DatabaseSpec): DatabaseOption {
  if (spec.type === 'backend') return spec.backend;
  if (spec.type === 'postgres') return { type: 'postgres', options: { connectionString: spec.connectionString, poolSize: spec.poolSize } };
  if (spec.type === 'memory') return { type: 'memory' };
  return spec.file;
}
