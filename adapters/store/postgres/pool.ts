import { Pool } from 'pg';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import { migrate } from './migrate';
import type { MigrationResult } from './migrate';

/** How a process connects to the shared store. */
export interface PgStoreProps {
  /** postgres://user:password@host:port/db — from the environment; never logged, never in an error message. */
  readonly url: string;
  /** Most connections this process opens. Default 10. */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity: which instance holds a connection. Default `infra-agent`. */
  readonly applicationName?: string;
  /** Where connection errors of idle clients are said. Default console.error. */
  readonly alerts?: { error(message: string): void };
}

/**
 * What the store adapters need of a database: a query and a connection for transactions. A pool is one; so is
 * the migrated view `connectPgStore` hands out, which waits for the schema before the first query.
 */
export interface Db {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
  connect(): Promise<PoolClient>;
}

/** One process's connection to the shared store. */
export interface PgStore {
  readonly pool: Pool;
  /** The pool, once the schema is migrated: every query waits for `ready`. */
  readonly db: Db;
  /** Connected and migrated (rejects, naming the URL without its password, when not). */
  readonly ready: Promise<MigrationResult>;
  close(): Promise<void>;
}

/** The URL without its password, for messages: `postgres://infra@127.0.0.1:5432/infra_agent`. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return '(a URL that does not parse)';
  }
}

/**
 * A pool to the shared store, built at once (composition roots are synchronous); connecting and bringing the schema
 * up to date (safe when instances start together) happen in the background, and every query waits for them.
 */
export function connectPgStore(props: PgStoreProps): PgStore {
  const pool = new Pool({
    connectionString: props.url,
    max: props.poolSize ?? 10,
    application_name: props.applicationName ?? 'infra-agent',
    connectionTimeoutMillis: 10_000,
    // A terminal command ends when its work does, not when idle connections time out.
    allowExitOnIdle: true,
  });
  const where = describeDatabaseUrl(props.url);
  // An idle client whose server went away emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (e) =>
    (props.alerts ?? console).error(`store: a database connection failed (${where}): ${e.message}`),
  );
  const ready = migrate(pool).catch((e: Error) => {
    throw new Error(`store: could not open the PostgreSQL store at ${where}: ${e.message}`, { cause: e });
  });
  ready.catch(() => undefined); // reported to whoever awaits it (a query, or the composition root)
  const db: Db = {
    query: async <R extends QueryResultRow>(text: string, values?: unknown[]) => {
      await ready;
      return pool.query<R>(text, values);
    },
    connect: async () => {
      await ready;
      return pool.connect();
    },
  };
  return { pool, db, ready, close: () => pool.end() };
}

/** connectPgStore, resolved once connected and migrated. */
export async function openPgStore(props: PgStoreProps): Promise<PgStore & { readonly migration: MigrationResult }> {
  const store = connectPgStore(props);
  try {
    return { ...store, migration: await store.ready };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** Runs `fn` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: Db, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch((r: Error) => {
      broken = r; // the connection is unusable: do not give it back to the pool
    });
    throw e;
  } finally {
    c.release(broken);
  }
}
