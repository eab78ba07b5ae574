/**
 * Opens the registry's SQLite database and brings its schema up to date.
 * Migrations are numbered by `PRAGMA user_version`; each runs once, in a transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type DB = Database.Database;

const migrations: string[] = [
  `CREATE TABLE components (
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '',
     manifest TEXT NOT NULL,
     storage_prefix TEXT NOT NULL,
     published_at INTEGER NOT NULL,
     deprecated TEXT,
     UNIQUE (name, version)
   );
   CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     hash TEXT NOT NULL,
     label TEXT NOT NULL DEFAULT '',
     scopes TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER,
     revoked_at INTEGER
   );`,
];

/** Opens (creating when needed) the database at `file`, or an in-memory one for `:memory:`. */
export function openDatabase(file: string): DB {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: DB) {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `The registry database is at schema version ${current}, newer than this mikr0 (${migrations.length}). Upgrade vite-plugin-mikr0.`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
