import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';

/** Advisory lock key held while migrating ("infra-agent migrations"): two instances starting at once take turns. */
const MIGRATION_LOCK = 0x1af7a_0001;

/** One numbered SQL file: `0001_shared_state.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** What `migrate` did. */
export interface MigrationResult {
  /** Versions applied by this call, in order (empty when the schema was up to date). */
  readonly applied: readonly number[];
  /** The schema's version afterwards. */
  readonly version: number;
}

/**
 * The migrations folder: beside this file in a checkout; in a compiled build (dist/, where tsc copies no .sql)
 * the source folder the build was made from.
 */
export function migrationsDir(): string {
  const here = join(__dirname, 'migrations');
  if (existsSync(here)) return here;
  const source = join(__dirname, '..', '..', '..', '..', 'adapters', 'store', 'postgres', 'migrations');
  if (existsSync(source)) return source;
  throw new Error(`the store's SQL migrations are missing: looked in ${here} and ${source}`);
}

/** The numbered SQL files of `dir`, in order. A file that is not `NNNN_name.sql`, or a repeated number, is refused. */
export async function readMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const out: Migration[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const m = /^(\d{4})_([a-z0-9_-]+)\.sql$/.exec(file);
    if (!m) throw new Error(`${join(dir, file)}: a migration is named NNNN_name.sql (e.g. 0002_add_index.sql)`);
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new Error(`${dir}: two migrations are numbered ${m[1]}`);
    out.push({ version, name: m[2] ?? file, sql: await readFile(join(dir, file), 'utf8') });
  }
  return out;
}

/**
 * Brings the schema up to date: each migration not yet recorded in `schema_migrations` runs in its own transaction
 * with its record, in order. The whole run holds an advisory lock, so of two processes starting at once one
 * migrates and the other then finds nothing to do. A failed migration is rolled back and named; later ones do not run.
 */
export async function migrate(pool: Pool, migrations?: readonly Migration[]): Promise<MigrationResult> {
  const all = migrations ?? (await readMigrations());
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ' +
          'applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      const applied: number[] = [];
      for (const m of all) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(
            `store migration ${String(m.version).padStart(4, '0')}_${m.name} failed and was rolled back: ${(e as Error).message}`,
            { cause: e },
          );
        }
        applied.push(m.version);
        done.add(m.version);
      }
      return { applied, version: Math.max(0, ...done) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
