/**
 * Copies a registry's data from one pair of stores to another (SQLite + a folder → PostgreSQL
 * + S3, or between any two backends and drivers), through the backend and driver interfaces
 * only. What a registry needs: every version's row as it is (dates, deprecation, unpublishing,
 * manifest, prefix), every file under the version's storage prefix, every token (its hash:
 * secrets are never known; its name patterns and expiry), the audit log and the usage counts,
 * so links, ranges, tokens and history keep working on the target.
 *
 * Resumable by construction: a version's files are copied before its row is inserted, so the
 * target never shows a version without its files; a version already there (the same upload:
 * same prefix and date) is skipped once its files are checked, and a different upload under
 * the same name@version is a conflict, never overwritten. Reads of the source are those a
 * running registry allows (SQLite WAL), so it need not stop; what it publishes meanwhile is
 * for a second run. V8 code caches (`_v8-cache/…`) and leftovers of failed publishes are not
 * copied: the first are rebuilt on first use, the second belong to no version.
 *
 * The audit log and usage counts have no identity that survives a copy (ids are the target's,
 * counts add up), so they are copied only where the target has none yet: the whole log into an
 * empty log, a component's counts to a component without any. A second run copies neither again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { memoryBackend } from './metadata/memory.js';
import { describeDatabase, openBackend, resolveDatabase, type DatabaseOption, type DatabaseSpec } from './metadata/open.js';
import type { MetadataBackend, VersionRecord } from './metadata/types.js';
import { describeStorage, resolveStorage, type StorageOption } from './storage/open.js';
import type { StorageDriver } from './storage/types.js';

/** One end of a migration: the `dataDir`, `database` and `storage` of a registry's options. */
export interface MigrationEnd {
  dataDir?: string;
  database?: DatabaseOption;
  storage?: StorageOption;
}

export interface MigrateOptions {
  from: MigrationEnd;
  to: MigrationEnd;
  /** Count what would be copied; write nothing (the target's schema may still be created by opening it). */
  dryRun?: boolean;
  /** Both ends are open and answer: where they are, and how many components the source has. */
  onStart?(info: { from: string; to: string; components: number }): void;
  /** After each component. */
  onComponent?(progress: ComponentProgress): void;
}

export interface ComponentProgress {
  name: string;
  /** 1-based position and the count known at the start (a publish during the copy may add one). */
  index: number;
  total: number;
  copied: number;
  skipped: number;
  conflicts: number;
  /** Versions the source itself cannot give whole (files missing): not copied. */
  failed: number;
  files: number;
  bytes: number;
}

export interface MigrationSummary {
  dryRun: boolean;
  components: number;
  versions: { copied: number; skipped: number; conflicts: number; failed: number };
  /** Files and bytes copied (dry run: that would be), counting files restored for versions already there. */
  files: number;
  bytes: number;
  /** `updated`: revoked in the source after an earlier run copied the token, and now on the target too. */
  tokens: { copied: number; skipped: number; updated: number; conflicts: number };
  deprecations: number;
  /** Versions unpublished on the target because they are in the source (copied so, or unpublished there since). */
  unpublished: number;
  /** Entries of the audit log; `skipped`: the target has a log of its own, so none were copied. */
  audit: { copied: number; skipped: number };
  /** Usage rows (one version on one day); `skipped`: of components that have counts on the target already. */
  usage: { copied: number; skipped: number };
  /** One line per version or token that was not copied, and why. */
  problems: string[];
  ms: number;
}

/** What a failure to open or reach one end says, with the side (`from` or `to`) it concerns. */
export type MigrationError = Error & { side: 'from' | 'to' };

const PAGE = 100;
/** Audit entries read at once. */
const AUDIT_PAGE = 1000;
/** Before every usage day there is: `getUsage` from here returns all of a component's rows. */
const FIRST_DAY = '0000-01-01';
/** Files copied at once within a version: enough to hide a cloud store's latency. */
const PARALLEL = 8;

export async function migrateRegistry(options: MigrateOptions): Promise<MigrationSummary> {
  const started = performance.now();
  const dryRun = options.dryRun === true;
  const fromSpec = spec('from', options.from);
  const toSpec = spec('to', options.to);
  if (sameDatabase(fromSpec.database, toSpec.database)) {
    throw sideError('to', `the source and the target are the same database (${describeDatabase(toSpec.database)})`);
  }
  const from = await open('from', fromSpec, { mustExist: true, dryRun });
  let to: Opened | undefined;
  try {
    to = await open('to', toSpec, { mustExist: false, dryRun });
    const first = await from.backend.search('', 1, PAGE);
    options.onStart?.({ from: from.description, to: to.description, components: first.total });
    return await copyAll(from, to, first, { ...options, dryRun }, started);
  } finally {
    await close(from);
    if (to) await close(to);
  }
}

interface Opened {
  backend: MetadataBackend;
  storage: StorageDriver;
  description: string;
}

interface Spec {
  database: DatabaseSpec;
  storage: StorageDriver;
  storageDescription: string;
}

function spec(side: 'from' | 'to', end: MigrationEnd): Spec {
  const dataDir = path.resolve(end.dataDir ?? '.mikr0');
  try {
    const database = resolveDatabase(end.database, dataDir);
    const inMemory = (end.storage as { type?: unknown } | undefined)?.type === 'memory';
    if (inMemory || database.type === 'memory' || (database.type === 'sqlite' && database.file === ':memory:')) {
      throw new Error('a memory database or storage holds nothing past one process: name a database file or server and a folder or bucket');
    }
    return { database, storage: resolveStorage(end.storage, dataDir), storageDescription: describeStorage(end.storage, dataDir) };
  } catch (error) {
    throw sideError(side, (error as Error).message);
  }
}

async function open(side: 'from' | 'to', { database, storage, storageDescription }: Spec, { mustExist, dryRun }: { mustExist: boolean; dryRun: boolean }): Promise<Opened> {
  const description = `${describeDatabase(database)} + ${storageDescription}`;
  const missing = database.type === 'sqlite' && !fs.existsSync(database.file);
  if (missing && mustExist) throw sideError(side, `no registry database at ${database.file}`);
  // A dry run creates nothing: a target file that does not exist yet is an empty target.
  if (missing && dryRun) return { backend: memoryBackend(), storage, description };
  let backend: MetadataBackend | undefined;
  try {
    // A cloud store first: its check only reads, so an unreachable bucket leaves no new database behind.
    const local = storage.name === 'filesystem';
    if (!local) await storage.check?.();
    backend = openBackend(database);
    await backend.ping();
    // The filesystem's check writes a probe (and makes the folder): never into the source, nor in a dry run.
    if (local && side === 'to' && !dryRun) await storage.check?.();
  } catch (error) {
    await backend?.close().catch(() => {});
    await storage.dispose?.().catch(() => {});
    throw sideError(side, (error as Error).message);
  }
  return { backend, storage, description };
}

async function close({ backend, storage }: Opened) {
  await backend.close().catch(() => {});
  await storage.dispose?.().catch(() => {});
}

async function copyAll(from: Opened, to: Opened, first: { names: string[]; total: number }, options: MigrateOptions & { dryRun: boolean }, started: number) {
  const summary: MigrationSummary = {
    dryRun: options.dryRun,
    components: 0,
    versions: { copied: 0, skipped: 0, conflicts: 0, failed: 0 },
    files: 0,
    bytes: 0,
    tokens: { copied: 0, skipped: 0, updated: 0, conflicts: 0 },
    deprecations: 0,
    unpublished: 0,
    audit: { copied: 0, skipped: 0 },
    usage: { copied: 0, skipped: 0 },
    problems: [],
    ms: 0,
  };
  // Pages by name: a component published meanwhile may shift a name into the next page (seen
  // twice: skipped) or out of reach (copied by the next run, as the help says).
  let page = first;
  for (let number = 1; page.names.length > 0; page = await from.backend.search('', ++number, PAGE)) {
    for (const name of page.names) {
      const progress: ComponentProgress = { name, index: ++summary.components, total: first.total, copied: 0, skipped: 0, conflicts: 0, failed: 0, files: 0, bytes: 0 };
      const records = (await from.backend.getVersions(name)).sort((a, b) => a.publishedAt - b.publishedAt);
      for (const record of records) {
        const result = await copyVersion(from, to, record, options.dryRun);
        progress[result.outcome]++;
        progress.files += result.files;
        progress.bytes += result.bytes;
        if (result.deprecated) summary.deprecations++;
        if (result.unpublished) summary.unpublished++;
        if (result.problem) summary.problems.push(`${name}@${record.version}: ${result.problem}`);
      }
      summary.versions.copied += progress.copied;
      summary.versions.skipped += progress.skipped;
      summary.versions.conflicts += progress.conflicts;
      summary.versions.failed += progress.failed;
      summary.files += progress.files;
      summary.bytes += progress.bytes;
      await copyUsage(from, to, name, summary, options.dryRun);
      options.onComponent?.(progress);
    }
  }
  await copyTokens(from, to, summary, options.dryRun);
  await copyAudit(from, to, summary, options.dryRun);
  summary.ms = performance.now() - started;
  return summary;
}

interface VersionResult {
  outcome: 'copied' | 'skipped' | 'conflicts' | 'failed';
  files: number;
  bytes: number;
  deprecated?: boolean;
  unpublished?: boolean;
  problem?: string;
}

async function copyVersion(from: Opened, to: Opened, record: VersionRecord, dryRun: boolean): Promise<VersionResult> {
  const { name, version, prefix } = record;
  const existing = await to.backend.getVersion(name, version);
  if (existing && !sameUpload(existing, record)) return conflict(existing);
  const keys = await from.storage.getKeys(prefix);
  // Every file the manifest names must be there, or the target would serve a broken version.
  // An unpublished version is never served: its files may be gone, what is left is copied.
  const unpublished = record.unpublishedAt !== null;
  const stored = new Set(keys);
  const lost = unpublished ? [] : Object.keys(record.manifest.files).filter((file) => !stored.has(`${prefix}/${file}`));
  if (lost.length) return { outcome: 'failed', files: 0, bytes: 0, problem: `the source lacks ${lost.join(', ')} under ${prefix}: not copied` };
  const present = existing ? new Set(await to.storage.getKeys(prefix)) : new Set<string>();
  const wanted = keys.filter((key) => !present.has(key));
  const result: VersionResult = { outcome: existing ? 'skipped' : 'copied', files: wanted.length, bytes: 0 };
  if (dryRun) {
    // The manifest knows every file's size: a dry run reads no file.
    result.bytes = wanted.reduce((sum, key) => sum + (record.manifest.files[key.slice(prefix.length + 1)]?.size ?? 0), 0);
    result.deprecated = record.deprecated !== null && existing?.deprecated !== record.deprecated;
    result.unpublished = unpublished && (existing?.unpublishedAt ?? null) === null;
    return result;
  }
  for (let i = 0; i < wanted.length; i += PARALLEL) {
    const copied = await Promise.all(wanted.slice(i, i + PARALLEL).map((key) => copyFile(from, to, key, unpublished)));
    result.bytes += copied.reduce((sum, size) => sum + size, 0);
  }
  if (!existing) {
    const { deprecated: _, unpublishedAt: __, ...row } = record;
    if (!(await to.backend.insertVersion(row))) {
      // Inserted meanwhile (another run, or a publish on the target): the same upload is fine.
      const winner = await to.backend.getVersion(name, version);
      if (!winner || !sameUpload(winner, record)) {
        await Promise.allSettled(keys.map((key) => to.storage.removeItem(key)));
        return conflict(winner);
      }
    }
  }
  // A deprecation the target lacks is carried over; one the target has is never undone here.
  if (record.deprecated !== null && (existing?.deprecated ?? null) !== record.deprecated) {
    await to.backend.setDeprecated(name, version, record.deprecated);
    result.deprecated = true;
  }
  // Unpublished in the source (before the copy, or since an earlier run): so on the target, at
  // the same time. Right after the insert: a target registry may show the version for that moment.
  if (record.unpublishedAt !== null && (existing?.unpublishedAt ?? null) === null) {
    result.unpublished = await to.backend.unpublishVersion(name, version, record.unpublishedAt);
  }
  return result;
}

function conflict(existing: VersionRecord | null): VersionResult {
  const when = existing ? ` (published ${new Date(existing.publishedAt).toISOString()} under ${existing.prefix})` : '';
  return { outcome: 'conflicts', files: 0, bytes: 0, problem: `the target has another upload of this version${when}: not overwritten` };
}

async function copyFile(from: Opened, to: Opened, key: string, unpublished: boolean): Promise<number> {
  const bytes = await from.storage.getItemRaw(key);
  // Files of a version are never removed while its row exists (unless it is unpublished, when
  // they may go at any time); gone means someone removed it by hand.
  if (!bytes && unpublished) return 0;
  if (!bytes) throw new Error(`${key} disappeared from the source while it was copied`);
  await to.storage.setItemRaw(key, bytes);
  return bytes.byteLength;
}

async function copyTokens(from: Opened, to: Opened, summary: MigrationSummary, dryRun: boolean) {
  for (const row of await from.backend.listTokens()) {
    const existing = await to.backend.getToken(row.id);
    if (!existing) {
      if (!dryRun) await to.backend.insertToken(row);
      summary.tokens.copied++;
    } else if (existing.hash !== row.hash) {
      summary.tokens.conflicts++;
      summary.problems.push(`token ${row.id}: the target has another token with this id: not overwritten`);
    } else if (row.revokedAt !== null && existing.revokedAt === null) {
      // Revoked in the source after an earlier run: a revocation must never be lost.
      if (!dryRun) await to.backend.revokeToken(row.id, row.revokedAt);
      summary.tokens.updated++;
    } else {
      summary.tokens.skipped++;
    }
  }
}

/** A component's usage rows, when the target has none of it (a second run must not add them twice). */
async function copyUsage(from: Opened, to: Opened, name: string, summary: MigrationSummary, dryRun: boolean) {
  const rows = await from.backend.getUsage(name, FIRST_DAY);
  if (rows.length === 0) return;
  if ((await to.backend.getUsage(name, FIRST_DAY)).length > 0) {
    summary.usage.skipped += rows.length;
    return;
  }
  if (!dryRun) await to.backend.addUsage(rows);
  summary.usage.copied += rows.length;
}

/**
 * The whole audit log, oldest first (so the target's ids keep its order), into an empty log
 * only. Read newest first in pages whose bounds are fixed by id before anything is copied:
 * entries appended meanwhile do not shift a page, and only the bounds are held in memory.
 */
async function copyAudit(from: Opened, to: Opened, summary: MigrationSummary, dryRun: boolean) {
  const newest = await from.backend.listAudit({ limit: 1 });
  if (newest.length === 0) return;
  // Entries appended after this are the source's news: like a publish meanwhile, not this run's.
  const bounds = [newest[0].id + 1];
  let total = 0;
  for (;;) {
    const page = await from.backend.listAudit({ before: bounds[bounds.length - 1], limit: AUDIT_PAGE });
    total += page.length;
    if (page.length < AUDIT_PAGE) break;
    bounds.push(page[page.length - 1].id);
  }
  if ((await to.backend.listAudit({ limit: 1 })).length > 0) {
    summary.audit.skipped = total;
    return;
  }
  if (dryRun) {
    summary.audit.copied = total;
    return;
  }
  for (const before of bounds.reverse()) {
    const page = await from.backend.listAudit({ before, limit: AUDIT_PAGE });
    for (const { id: _, ...entry } of page.reverse()) {
      await to.backend.appendAudit(entry);
      summary.audit.copied++;
    }
  }
}

/** The same upload: a prefix is unique per publish, and the rest must agree with it. */
function sameUpload(a: VersionRecord, b: VersionRecord): boolean {
  return a.prefix === b.prefix && a.publishedAt === b.publishedAt && a.description === b.description && canonical(a.manifest) === canonical(b.manifest);
}

/** JSON with sorted keys: a backend may hand back an object's keys in another order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}

function sameDatabase(a: DatabaseSpec, b: DatabaseSpec): boolean {
  if (a.type === 'sqlite' && b.type === 'sqlite') return a.file === b.file;
  if (a.type === 'postgres' && b.type === 'postgres') return a.connectionString === b.connectionString;
  return a.type === 'backend' && b.type === 'backend' && a.backend === b.backend;
}

function sideError(side: 'from' | 'to', message: string): MigrationError {
  return Object.assign(new Error(message), { side });
}
