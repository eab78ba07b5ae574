/**
 * Opens a registry SQLite file and brings its schema up to date, safely when several
 * processes open one fresh file at once (replicas started together, `mikr0 token` while
 * the registry starts). Migrations are numbered by `PRAGMA user_version`; all that are due
 * run in one `BEGIN IMMEDIATE` transaction that reads the version again once it holds the
 * write lock, so a migration another process applied meanwhile is never applied twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite-driver.js';

export type DB = Database.Database;

/** How long a connection waits for another one's lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

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
  // What changed, for other processes' caches (`watch`): written by the database itself, so
  // every write is logged, a manual UPDATE too. Only the newest rows matter (sqlite.ts prunes).
  `CREATE TABLE changes (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     version TEXT NOT NULL
   );
   CREATE TRIGGER components_inserted AFTER INSERT ON components
     BEGIN INSERT INTO changes (name, version) VALUES (NEW.name, NEW.version); END;
   CREATE TRIGGER components_updated AFTER UPDATE ON components
     BEGIN INSERT INTO changes (name, version) VALUES (NEW.name, NEW.version); END;
   CREATE TRIGGER components_deleted AFTER DELETE ON components
     BEGIN INSERT INTO changes (name, version) VALUES (OLD.name, OLD.version); END;`,
  // Unpublish, scoped and expiring tokens, the audit log, usage counts. An unpublished row
  // stays (its number is taken for good); tokens.names NULL means every name, else the
  // patterns joined by ',' (a pattern never holds one).
  `ALTER TABLE components ADD COLUMN unpublished_at INTEGER;
   ALTER TABLE tokens ADD COLUMN names TEXT;
   ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     at INTEGER NOT NULL,
     action TEXT NOT NULL,
     actor TEXT NOT NULL,
     token_id TEXT,
     address TEXT NOT NULL,
     request_id TEXT,
     name TEXT,
     version TEXT,
     detail TEXT
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE INDEX audit_name ON audit (name);
   -- Refused by the database itself, so a script or a sqlite3 shell cannot rewrite history either.
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
     BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
   CREATE TABLE usage (
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     day TEXT NOT NULL,
     renders INTEGER NOT NULL,
     actions INTEGER NOT NULL,
     last_rendered_at INTEGER,
     PRIMARY KEY (name, version, day)
   );`,
];

/** The schema version this code writes (tests check a fresh file ends there). */
export const SCHEMA_VERSION = migrations.length;

/** Opens (creating when needed) the database at `file`, or an in-memory one for `:memory:`. */
export function openSqlite(file: string): DB {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // The busy timeout is set by the constructor, before the first statement: even the first
  // read may meet another process's lock on a fresh file.
  // (openDatabase loads the native module now: only a registry on SQLite needs it.)
  const db = openDatabase(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    useWal(db);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Switching to WAL needs a moment of exclusive access, and SQLite answers SQLITE_BUSY at
 * once when another process is switching too (no busy handler there): retry until the
 * busy timeout. A file that is in WAL already (every open but the first) needs no switch.
 */
function useWal(db: DB) {
  if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error: any) {
      if (!String(error?.code).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw error;
      sleep(delay);
    }
  }
}

function migrate(db: DB) {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const check = (current: number) => {
    if (current > migrations.length) {
      throw new Error(
        `The registry database is at schema version ${current}, newer than this mikr0 (${migrations.length}). Upgrade vite-plugin-mikr0.`,
      );
    }
  };
  const before = version();
  check(before);
  // Up to date: no write lock taken, so opening a migrated file never waits for a writer.
  if (before === migrations.length) return;
  db.transaction(() => {
    const current = version();
    check(current);
    for (let step = current; step < migrations.length; step++) db.exec(migrations[step]);
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}

/** Blocks the thread: only while opening, which is synchronous anyway. */
function sleep(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
