/**
 * better-sqlite3, loaded when a SQLite database is opened and not before: it is an optional
 * dependency (a native module; component authors never need it, `vite dev` runs on the memory
 * backend). When it is missing, or installed without its native build, opening a database
 * fails with one message that names the fix instead of a resolver stack.
 */
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

export const SQLITE_MISSING =
  "registry-lite's SQLite database (the default) needs the optional package better-sqlite3, which is not installed " +
  '(or its native build failed): run `npm install better-sqlite3` (`npm rebuild better-sqlite3` after an install with ' +
  "--ignore-scripts; it needs python3, make and a C++ compiler when no prebuilt binary fits), or use `database: { type: 'memory' }`";

/** `new Database(file, options)`, or the SQLITE_MISSING error when the driver cannot load. */
export function openDatabase(file: string, options: Database.Options): Database.Database {
  let BetterSqlite3: typeof Database;
  try {
    BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  } catch (error) {
    throw isNotFound(error) ? missing(error) : error;
  }
  try {
    // The native addon is loaded by the first constructor call, not by require().
    return new BetterSqlite3(file, options);
  } catch (error) {
    throw isAddonFailure(error) ? missing(error) : error;
  }
}

function missing(cause: unknown): Error {
  return Object.assign(new Error(SQLITE_MISSING, { cause }), { code: 'MIKR0_SQLITE_MISSING' });
}

const isNotFound = (error: unknown) =>
  (error as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' && /better-sqlite3|bindings/.test(String((error as Error).message));

/** No build (`bindings` finds no .node file), or a build for another Node.js or platform. */
const isAddonFailure = (error: unknown) =>
  isNotFound(error) ||
  (error as NodeJS.ErrnoException)?.code === 'ERR_DLOPEN_FAILED' ||
  /Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(String((error as Error)?.message));
