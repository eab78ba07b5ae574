/**
 * Opening a PostgreSQL database: `pg` imported on first use (it is an optional peer
 * dependency), connection failures as one line naming the fix, and the schema's migrations.
 *
 * Migrations are numbered rows of `schema_migrations`; all that are due run in ONE
 * transaction that first takes a transaction-scoped advisory lock on a fixed key, then reads
 * the applied ones again: replicas that start together queue on the lock, the first migrates,
 * the others find nothing left to do. A failed migration rolls back whole, so a database is never half migrated.
 *
 * Changes are announced by the database itself (triggers, like SQLite's change log): every
 * write to a version, a manual UPDATE too, and every token revocation sends a NOTIFY on
 * `mikr0_changes` when its transaction commits. The payload names the writer's instance
 * (`mikr0.origin`, a session setting each backend instance sets on its connections), so an
 * instance can skip its own changes; a manual edit has no origin and reaches everyone.
 */
import type pg from 'pg';
import { importOptional, missingPackage } from '../optional-package.js';

export const PG_MISSING = missingPackage('database type "postgres"', 'pg');
/** The option every connection message names. */
export const OPTION = 'database.options.connectionString';
/** The channel of change notifications. */
export const CHANNEL = 'mikr0_changes';
/** The session setting that names the writing instance in a notification. */
export const ORIGIN_SETTING = 'mikr0.origin';
/** pg_advisory_xact_lock's key for migrations: any fixed bigint; this one spells "mikr0mig". */
const MIGRATION_LOCK = '7883370436297447783';

const migrations: string[] = [
  `CREATE TABLE components (
     name text NOT NULL,
     version text NOT NULL,
     description text NOT NULL DEFAULT '',
     manifest text NOT NULL,
     storage_prefix text NOT NULL,
     published_at bigint NOT NULL,
     deprecated text,
     PRIMARY KEY (name, version)
   );
   CREATE TABLE tokens (
     id text PRIMARY KEY,
     hash text NOT NULL,
     label text NOT NULL DEFAULT '',
     scopes text NOT NULL,
     created_at bigint NOT NULL,
     last_used_at bigint,
     revoked_at bigint,
     -- Ties of created_at keep their insertion order (SQLite's rowid).
     position bigint GENERATED ALWAYS AS IDENTITY
   );
   CREATE FUNCTION mikr0_notify_component() RETURNS trigger LANGUAGE plpgsql AS $$
   DECLARE
     origin text := current_setting('${ORIGIN_SETTING}', true);
     payload text;
   BEGIN
     IF TG_OP = 'DELETE' THEN
       payload := json_build_object('name', OLD.name, 'version', OLD.version, 'origin', origin)::text;
     ELSE
       payload := json_build_object('name', NEW.name, 'version', NEW.version, 'origin', origin)::text;
     END IF;
     -- NOTIFY takes under 8000 bytes: a longer name or version is reported as "anything".
     IF octet_length(payload) > 7900 THEN
       payload := json_build_object('origin', origin)::text;
     END IF;
     PERFORM pg_notify('${CHANNEL}', payload);
     RETURN NULL;
   END $$;
   CREATE TRIGGER components_changed AFTER INSERT OR UPDATE OR DELETE ON components
     FOR EACH ROW EXECUTE FUNCTION mikr0_notify_component();
   CREATE FUNCTION mikr0_notify_token() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     PERFORM pg_notify('${CHANNEL}', json_build_object('token', OLD.id,
       'origin', current_setting('${ORIGIN_SETTING}', true))::text);
     RETURN NULL;
   END $$;
   -- Not on touchToken (every authenticated request): only what changes a token's validity.
   CREATE TRIGGER tokens_revoked AFTER UPDATE OF revoked_at ON tokens
     FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at) EXECUTE FUNCTION mikr0_notify_token();
   CREATE TRIGGER tokens_deleted AFTER DELETE ON tokens FOR EACH ROW EXECUTE FUNCTION mikr0_notify_token();`,
  // Unpublish (an UPDATE of components: its trigger tells the other replicas), scoped and
  // expiring tokens (names NULL: every name, else the patterns joined by ','), the audit log,
  // usage counts.
  `ALTER TABLE components ADD COLUMN unpublished_at bigint;
   ALTER TABLE tokens ADD COLUMN names text, ADD COLUMN expires_at bigint;
   CREATE TABLE audit (
     id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at bigint NOT NULL,
     action text NOT NULL,
     actor text NOT NULL,
     token_id text,
     address text NOT NULL,
     request_id text,
     name text,
     version text,
     detail text
   );
   CREATE INDEX audit_at ON audit (at);
   CREATE INDEX audit_name ON audit (name);
   -- Refused by the database itself, so psql or a script cannot rewrite history either.
   -- Per statement: even an UPDATE or DELETE that matches no row is an error.
   CREATE FUNCTION mikr0_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     RAISE EXCEPTION 'the audit log is append-only';
   END $$;
   CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
     FOR EACH STATEMENT EXECUTE FUNCTION mikr0_audit_append_only();
   CREATE TABLE usage (
     name text NOT NULL,
     version text NOT NULL,
     -- YYYY-MM-DD compared as bytes, whatever the database's locale.
     day text COLLATE "C" NOT NULL,
     renders bigint NOT NULL,
     actions bigint NOT NULL,
     last_rendered_at bigint,
     PRIMARY KEY (name, version, day)
   );`,
];

/** The schema version this code writes (tests check a fresh database ends there). */
export const SCHEMA_VERSION = migrations.length;

/**
 * Brings the schema up to date on `client` (one connection, not in a transaction). Returns
 * how many migrations this call applied (0 when another replica did them first).
 */
export async function migrate(client: pg.ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ current: number }>('SELECT COALESCE(MAX(version), 0)::integer AS current FROM schema_migrations');
    const current = rows[0].current;
    if (current > migrations.length) {
      throw new Error(
        `The registry database is at schema version ${current}, newer than this mikr0 (${migrations.length}). Upgrade vite-plugin-mikr0.`,
      );
    }
    for (let step = current; step < migrations.length; step++) {
      await client.query(migrations[step]);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [step + 1]);
    }
    await client.query('COMMIT');
    return migrations.length - current;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Where a connection string points, for messages: never its password. */
export function postgresTarget(connectionString: string): { host: string; port: string; database: string; user: string } {
  try {
    const url = new URL(connectionString);
    const user = decodeURIComponent(url.username) || process.env.PGUSER || process.env.USER || 'postgres';
    return {
      host: url.hostname || url.searchParams.get('host') || 'localhost',
      port: url.port || url.searchParams.get('port') || '5432',
      database: decodeURIComponent(url.pathname.slice(1)) || url.searchParams.get('dbname') || user,
      user,
    };
  } catch {
    return { host: 'localhost', port: '5432', database: '?', user: '?' };
  }
}

/** pg, imported on first use: only a registry on PostgreSQL needs it. */
export async function loadPg(): Promise<typeof pg> {
  const module = await importOptional('pg', 'database type "postgres"', () => import('pg'));
  return (module.default ?? module) as typeof pg;
}

/** A connection failure as one line naming what is wrong and the option to fix; any other error as it is. */
export function explain(error: unknown, target: ReturnType<typeof postgresTarget>): Error {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code?.startsWith('MIKR0_') || (error as Error)?.message?.includes(`(${OPTION})`)) return error as Error;
  const at = `${target.host}:${target.port}`;
  let line: string | undefined;
  if (code === '28P01') line = `PostgreSQL refused the password for user ${target.user} (${OPTION})`;
  else if (code === '3D000') line = `database "${target.database}" does not exist on PostgreSQL at ${at} (${OPTION}): create it first`;
  else if (code === '28000') line = `PostgreSQL at ${at} refused user ${target.user}: ${message} (${OPTION})`;
  else if (code === '53300') line = `PostgreSQL at ${at} has no connection left: ${message} (lower database.options.poolSize or raise max_connections)`;
  else if (
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EPIPE)$/.test(code ?? '') ||
    /timeout|terminated|no answer|ECONNREFUSED/i.test(message ?? '')
  ) {
    line = `cannot reach PostgreSQL at ${at} (${OPTION}): ${message?.split('\n')[0] || code}`;
  }
  return line ? Object.assign(new Error(line, { cause: error }), { code: 'MIKR0_POSTGRES_UNAVAILABLE' }) : (error as Error);
}
