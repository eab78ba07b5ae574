/**
 * `mikr0 token create|list|revoke`: works on the registry's SQLite file directly, so no
 * server (and no admin credentials) is needed: access to the data folder is the authority.
 * SQLite's WAL mode lets this run while the registry is serving.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type DB } from '../../registry-lite/metadata/database.js';
import { createTokenStore, SCOPES, type Scope } from '../../registry-lite/metadata/tokens.js';
import { cliError, color, note, print, table } from '../output.js';

export interface TokenFlags {
  scope?: string | string[];
  label?: string;
  data?: string;
}

const ACTIONS = ['create', 'list', 'revoke'];

export async function token(action: string, id: string | undefined, flags: TokenFlags): Promise<void> {
  if (!ACTIONS.includes(action)) {
    throw cliError(`unknown token action "${action}"`, `use one of: ${ACTIONS.map((a) => `mikr0 token ${a}`).join(', ')}`);
  }
  const file = path.join(path.resolve(flags.data ?? '.mikr0'), 'registry.db');
  if (action === 'create') {
    // Checked before opening, so a bad scope does not leave a fresh database behind.
    const scopes = parseScopes(flags.scope);
    const label = flags.label === undefined ? '' : String(flags.label);
    return withStore(file, true, (store) => create(store, scopes, label));
  }
  if (action === 'list') return withStore(file, false, (store) => list(store));
  if (!id) throw cliError('which token? pass its id', 'e.g. mikr0 token revoke abc123def456 (ids are in: mikr0 token list)');
  return withStore(file, false, (store) => revoke(store, id));
}

function withStore(file: string, createIfMissing: boolean, run: (store: ReturnType<typeof createTokenStore>) => void) {
  const exists = fs.existsSync(file);
  if (!exists && !createIfMissing) {
    throw cliError(`no registry database at ${file}`, 'point --data at the folder the registry uses (default .mikr0)');
  }
  let db: DB;
  try {
    db = openDatabase(file);
  } catch (error) {
    throw cliError(`cannot open ${file}: ${(error as Error).message}`);
  }
  // A typo in --data would otherwise hand out a token no registry knows about.
  if (!exists) note(`created a new registry database at ${file}`);
  try {
    run(createTokenStore(db));
  } finally {
    db.close();
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

function create(store: ReturnType<typeof createTokenStore>, scopes: Scope[], label: string) {
  const { token, info } = store.create(scopes, label);
  // Only the token on stdout, so `MIKR0_TOKEN=$(mikr0 token create ...)` captures exactly it.
  print(token);
  note(`created ${scopes.join(',')} token ${info.id}${label ? ` (${label})` : ''}: it is shown once, store it as MIKR0_TOKEN`);
}

function list(store: ReturnType<typeof createTokenStore>) {
  const tokens = store.list();
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

function revoke(store: ReturnType<typeof createTokenStore>, id: string) {
  if (!store.revoke(id)) {
    throw cliError(`no active token "${id}"`, 'it may be revoked already; see the ids with: mikr0 token list');
  }
  print(`revoked token ${id}`);
}
