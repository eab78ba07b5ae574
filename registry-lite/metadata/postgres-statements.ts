/**
 * The PostgreSQL backend's SQL, one named statement each (prepared once per connection), and
 * the shaping some of them need.
 */
import type { UsageRow } from './types.js';
import { addUsageRow } from './usage.js';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const statements = {
  one: 'SELECT * FROM components WHERE name = $1 AND version = $2',
  all: 'SELECT * FROM components WHERE name = $1',
  index: `SELECT version, deprecated IS NOT NULL AS deprecated, unpublished_at IS NOT NULL AS unpublished, published_at
    FROM components WHERE name = $1`,
  insert: `INSERT INTO components (name, version, description, manifest, storage_prefix, published_at)
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, version) DO NOTHING`,
  deprecate: 'UPDATE components SET deprecated = $1 WHERE name = $2 AND version = $3',
  unpublish: 'UPDATE components SET unpublished_at = $1 WHERE name = $2 AND version = $3 AND unpublished_at IS NULL',
  replaceManifest: 'UPDATE components SET manifest = $1 WHERE name = $2 AND version = $3',
  // translate() folds ASCII letters only, as SQLite's LIKE does; strpos() has no wildcards.
  // Sorted by code point (COLLATE "C"), whatever the database's locale.
  search: `WITH matches AS (
      SELECT DISTINCT name FROM components
      WHERE strpos(translate(name, '${UPPER}', '${UPPER.toLowerCase()}'), $1) > 0
         OR strpos(translate(description, '${UPPER}', '${UPPER.toLowerCase()}'), $1) > 0)
    SELECT (SELECT count(*) FROM matches)::integer AS total,
      ARRAY(SELECT name FROM matches ORDER BY name COLLATE "C" LIMIT $2 OFFSET $3) AS names`,
  insertToken: `INSERT INTO tokens (id, hash, label, scopes, names, created_at, last_used_at, expires_at, revoked_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  token: 'SELECT * FROM tokens WHERE id = $1',
  tokens: 'SELECT * FROM tokens ORDER BY created_at, position',
  touch: 'UPDATE tokens SET last_used_at = $1 WHERE id = $2',
  revoke: 'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL',
  appendAudit: `INSERT INTO audit (at, action, actor, token_id, address, request_id, name, version, detail)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  // One named statement for every query: an absent condition is a NULL parameter.
  listAudit: `SELECT * FROM audit
    WHERE ($1::bigint IS NULL OR at >= $1) AND ($2::bigint IS NULL OR at < $2)
      AND ($3::text[] IS NULL OR action = ANY($3)) AND ($4::text IS NULL OR name = $4)
      AND ($5::bigint IS NULL OR id < $5)
    ORDER BY id DESC LIMIT $6`,
  // A whole batch in one statement (atomic, one round trip). The row lock taken by ON CONFLICT
  // serializes replicas adding to one row, and the addition reads the row under that lock.
  addUsage: `INSERT INTO usage (name, version, day, renders, actions, last_rendered_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[])
    ON CONFLICT (name, version, day) DO UPDATE SET
      renders = usage.renders + excluded.renders,
      actions = usage.actions + excluded.actions,
      last_rendered_at = GREATEST(usage.last_rendered_at, excluded.last_rendered_at)`,
  usage: 'SELECT * FROM usage WHERE name = $1 AND day >= $2',
};

/**
 * `addUsage`'s parameters: one array per column (unnest turns them back into rows), or null
 * when there is nothing to add.
 */
export function usageColumns(rows: UsageRow[]): unknown[] | null {
  const merged = mergeUsage(rows);
  if (merged.length === 0) return null;
  const column = <K extends keyof UsageRow>(key: K) => merged.map((row) => row[key]);
  return [column('name'), column('version'), column('day'), column('renders'), column('actions'), column('lastRenderedAt')];
}

/**
 * One row per (name, version, day), sorted: ON CONFLICT may not meet one row twice in a
 * statement, and replicas that lock rows in the same order never deadlock.
 */
function mergeUsage(rows: UsageRow[]): UsageRow[] {
  const byKey = new Map<string, UsageRow>();
  for (const row of rows) addUsageRow(byKey, row);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}
