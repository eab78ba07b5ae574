/**
 * Component metadata over any backend: version resolution and its caches, the same for
 * every backend.
 *
 * Publishing and resolving must not cost more as a component's versions pile up, so
 * nothing is ever reloaded whole on a write:
 * - per name, a small index (version, deprecated, date; no manifest), sorted highest first,
 *   loaded once and then updated in place by this process's publishes and deprecations;
 * - per name, what each range resolved to, dropped with the name (cheap to forget);
 * - full records in an LRU by name@version, fetched one at a time on demand.
 * Another process's change (the backend's `watch`) drops what it may have touched. An exact
 * version missing from the cache is always asked of the backend, so a fresh publish on a
 * replica is never a 404 here.
 */
import semver, { type SemVer } from 'semver';
import { LRUCache } from 'lru-cache';
import type { Manifest } from '../../bundle/types.js';
import type { ComponentSummary, MetadataBackend, MetadataChange, VersionEntry, VersionRecord } from './types.js';

interface Entry extends VersionEntry {
  /**
   * Parsed once: resolving a range tests it against many versions. Null for a version that
   * is not semver (`vite dev` takes package.json's as it is): no range matches it.
   */
  parsed: SemVer | null;
}

interface NameIndex {
  /** Highest version first. */
  entries: Entry[];
  /** Range as asked → the exact version it resolved to, or null for no match. */
  ranges: Map<string, string | null>;
}

const MAX_NAMES = 5000;
const MAX_RECORDS = 5000;
/** Ranges are the client's to choose: a bound keeps a crawler from filling memory. */
const MAX_RANGES_PER_NAME = 256;

export function createComponents(backend: MetadataBackend) {
  const indexes = new LRUCache<string, NameIndex>({ max: MAX_NAMES });
  const records = new LRUCache<string, VersionRecord>({ max: MAX_RECORDS });
  // Reads in flight (see shared()): a write or a change report removes a key, so a read that
  // began before it can never cache what it replaced.
  const loading = new Map<string, Promise<NameIndex>>();
  const fetching = new Map<string, Promise<VersionRecord | null>>();
  const keyOf = (name: string, version: string) => `${name}@${version}`;

  const unwatch = backend.watch(forgetChanged);

  function forgetChanged({ name, version }: MetadataChange) {
    if (name === undefined) {
      indexes.clear();
      records.clear();
      loading.clear();
      fetching.clear();
      return;
    }
    loading.delete(name);
    if (version === undefined) {
      const prefix = `${name}@`;
      indexes.delete(name);
      for (const key of [...records.keys()]) if (key.startsWith(prefix)) records.delete(key);
      for (const key of [...fetching.keys()]) if (key.startsWith(prefix)) fetching.delete(key);
      return;
    }
    // One version: read it again and put it in place, however many versions the name has.
    const key = keyOf(name, version);
    records.delete(key);
    fetching.delete(key);
    if (!indexes.has(name)) return;
    get(name, version).then(
      (record) => {
        if (!record) indexes.delete(name); // gone: rare enough to read the name again
      },
      () => indexes.delete(name),
    );
  }

  function load(name: string): Promise<NameIndex> {
    const cached = indexes.get(name);
    if (cached) return Promise.resolve(cached);
    return shared(
      loading,
      name,
      async () => ({ entries: (await backend.listVersions(name)).map(toEntry).sort(highestFirst), ranges: new Map() }),
      (index) => indexes.set(name, index),
    );
  }

  /** One exact version, deprecated or not; null when it is not published. */
  function get(name: string, version: string): Promise<VersionRecord | null> {
    const key = keyOf(name, version);
    const cached = records.get(key);
    if (cached) return Promise.resolve(cached);
    // A miss is not cached: a replica may publish it any moment.
    return shared(fetching, key, () => backend.getVersion(name, version), (record) => {
      if (!record) return;
      records.set(key, record);
      learn(record);
    });
  }

  /** A version as the backend has it now (published or deprecated by another process): into the index. */
  function learn(record: VersionRecord) {
    const index = indexes.get(record.name);
    if (!index) return;
    const deprecated = record.deprecated !== null;
    const unpublished = record.unpublishedAt !== null;
    const known = index.entries.find((e) => e.version === record.version);
    if (known?.deprecated === deprecated && known.unpublished === unpublished) return;
    if (known) Object.assign(known, { deprecated, unpublished });
    else insertSorted(index.entries, toEntry({ version: record.version, deprecated, unpublished, publishedAt: record.publishedAt }));
    index.ranges.clear();
  }

  /**
   * The exact version a request means: an exact version as is (deprecated or unpublished: the caller says 410), a range
   * (`1`, `1.x`, `^1.2.0`) or '' / 'latest' to the highest non-deprecated match (stable
   * before prerelease for latest). `undefined` for a range that is not valid semver.
   */
  async function resolve(name: string, range: string): Promise<VersionRecord | null | undefined> {
    // The hot path: a version rendered before is one map lookup, no parsing, no backend.
    const hit = records.get(keyOf(name, range));
    if (hit) return hit;
    const known = indexes.get(name)?.ranges.get(range);
    if (known !== undefined) return known === null ? null : get(name, known);
    if (semver.valid(range)) return get(name, range);
    const wanted = range === '' || range === 'latest' ? '*' : semver.validRange(range);
    const index = await load(name);
    // A version that is not semver (`vite dev` takes package.json's as it is) is reached by its
    // exact string, as the cache above would; they sort last.
    for (let i = index.entries.length - 1; i >= 0 && index.entries[i].parsed === null; i--) {
      if (index.entries[i].version === range) return get(name, range);
    }
    if (wanted === null) return undefined;
    const version = pick(index.entries, new semver.Range(wanted));
    if (index.ranges.size >= MAX_RANGES_PER_NAME) index.ranges.delete(index.ranges.keys().next().value!);
    index.ranges.set(range, version);
    return version === null ? null : get(name, version);
  }

  /**
   * A write to one version's state (deprecation, unpublish): the backend first, then what this
   * process caches of it, in place. False when the backend changed nothing.
   */
  async function changeVersion(
    name: string,
    version: string,
    write: () => Promise<boolean>,
    entryChange: Partial<Pick<Entry, 'deprecated' | 'unpublished'>>,
    recordChange: Partial<Pick<VersionRecord, 'deprecated' | 'unpublishedAt'>>,
  ): Promise<boolean> {
    const changed = await write();
    const key = keyOf(name, version);
    loading.delete(name);
    fetching.delete(key);
    if (!changed) return false;
    const index = indexes.get(name);
    const entry = index?.entries.find((e) => e.version === version);
    if (entry) Object.assign(entry, entryChange);
    else if (index) indexes.delete(name);
    index?.ranges.clear();
    const record = records.get(key);
    if (record) records.set(key, { ...record, ...recordChange });
    return true;
  }

  return {
    get,
    resolve,

    /** True when `name` has any version (deprecated ones count). */
    has: async (name: string) => (await load(name)).entries.length > 0,

    /** Every version with its manifest, highest first (the detail page; read fresh each time). */
    async versions(name: string): Promise<VersionRecord[]> {
      const list = (await backend.getVersions(name)).map((record) => ({ record, parsed: semver.parse(record.version) }));
      return list.sort(highestFirst).map(({ record }) => record);
    },

    /** Inserts a new version; false when that version exists (the backend's uniqueness decides races). */
    async insert(record: Omit<VersionRecord, 'deprecated' | 'unpublishedAt'>): Promise<boolean> {
      const inserted = await backend.insertVersion(record);
      const { name, version } = record;
      loading.delete(name);
      fetching.delete(keyOf(name, version));
      const index = indexes.get(name);
      if (!inserted) {
        // Someone else's version: what we hold of this name may predate it.
        if (index && !index.entries.some((e) => e.version === version)) indexes.delete(name);
        return false;
      }
      records.set(keyOf(name, version), { ...record, deprecated: null, unpublishedAt: null });
      if (index) {
        insertSorted(index.entries, toEntry({ version, deprecated: false, unpublished: false, publishedAt: record.publishedAt }));
        index.ranges.clear();
      }
      return true;
    },

    /** Sets or clears (`null`) the deprecation message; false when the version does not exist. */
    deprecate: (name: string, version: string, message: string | null): Promise<boolean> =>
      changeVersion(name, version, () => backend.setDeprecated(name, version, message), { deprecated: message !== null }, { deprecated: message }),

    /**
     * Unpublishes a version: no range resolves to it any more, and its number stays taken.
     * False when it is not published (or unpublished already).
     */
    unpublish: (name: string, version: string, at = Date.now()): Promise<boolean> =>
      changeVersion(name, version, () => backend.unpublishVersion(name, version, at), { unpublished: true }, { unpublishedAt: at }),

    /** `vite dev` only: the component under development changed its schema or actions. */
    async replaceManifest(name: string, version: string, manifest: Manifest): Promise<boolean> {
      const changed = await backend.replaceManifest(name, version, manifest);
      const key = keyOf(name, version);
      fetching.delete(key);
      const record = records.get(key);
      if (changed && record) records.set(key, { ...record, manifest });
      else records.delete(key);
      return changed;
    },

    async list(query: string, page: number, perPage: number): Promise<{ components: ComponentSummary[]; total: number }> {
      const { names, total } = await backend.search(query, page, perPage);
      return { total, components: await Promise.all(names.map(summarize)) };
    },

    /** How many components there are (for /metrics). */
    count: async () => (await backend.search('', 1, 1)).total,

    /** Resolves when the backend answers, rejects naming why not (for /health). */
    ping: () => backend.ping(),

    close() {
      unwatch();
    },
  };

  async function summarize(name: string): Promise<ComponentSummary> {
    let index = await load(name);
    if (index.entries.length === 0) {
      // Found by the search but unknown here: an index cached before another process published it.
      indexes.delete(name);
      index = await load(name);
    }
    const entries = index.entries.filter((e) => !e.unpublished);
    const latest = entries.find((e) => !e.deprecated && !e.parsed?.prerelease.length) ?? entries.find((e) => !e.deprecated) ?? null;
    const shown = latest ?? entries[0];
    const record = shown ? await get(name, shown.version) : null;
    return {
      name,
      latest: latest?.version ?? null,
      description: record?.description ?? '',
      versions: entries.map((e) => e.version),
      publishedAt: new Date(entries.reduce((max, e) => Math.max(max, e.publishedAt), 0)).toISOString(),
    };
  }
}

export type Components = ReturnType<typeof createComponents>;

/**
 * One read per key at a time, shared by whoever asks meanwhile. `keep` runs only if the read
 * is still the registered one when it ends: a write or a change report that removed it means
 * the answer may predate it, so it is returned but not cached.
 */
function shared<T>(inFlight: Map<string, Promise<T>>, key: string, read: () => Promise<T>, keep: (value: T) => void): Promise<T> {
  const running = inFlight.get(key);
  if (running) return running;
  const pending: Promise<T> = read().then(
    (value) => {
      if (inFlight.get(key) === pending) {
        inFlight.delete(key);
        keep(value);
      }
      return value;
    },
    (error) => {
      if (inFlight.get(key) === pending) inFlight.delete(key);
      throw error;
    },
  );
  inFlight.set(key, pending);
  return pending;
}

function toEntry(entry: VersionEntry): Entry {
  return { ...entry, parsed: semver.parse(entry.version) };
}

/** Highest first; a version that is not semver after every one that is. */
function highestFirst(a: { parsed: SemVer | null }, b: { parsed: SemVer | null }): number {
  if (a.parsed && b.parsed) return b.parsed.compare(a.parsed);
  return a.parsed ? -1 : b.parsed ? 1 : 0;
}

/** Binary search for the place, then one splice: no re-sort, no reload. False when the version is there already. */
function insertSorted(entries: Entry[], entry: Entry): boolean {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (highestFirst(entries[middle], entry) <= 0) low = middle + 1;
    else high = middle;
  }
  // Equal in semver order (build metadata aside) means just before `low`.
  for (let i = low - 1; i >= 0 && highestFirst(entries[i], entry) === 0; i--) if (entries[i].version === entry.version) return false;
  entries.splice(low, 0, entry);
  return true;
}

/** The highest version in `range` that is neither deprecated nor unpublished; for '*' (latest) a prerelease when no release is left. */
function pick(entries: Entry[], range: semver.Range): string | null {
  const usable = (e: Entry) => !e.deprecated && !e.unpublished;
  for (const entry of entries) if (usable(entry) && entry.parsed && range.test(entry.parsed)) return entry.version;
  if (range.range === '') return entries.find(usable)?.version ?? null;
  return null;
}
