import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { ServiceSpec } from './services';
import type { SandboxSettings } from './settings';

const run = promisify(execFile);

/** The database the product uses in the sandbox, and the superuser initdb creates (trust auth: no password). */
export const SANDBOX_DATABASE = 'infra_agent';
export const SANDBOX_DB_USER = 'infra';

/** The connection URL of a sandbox's PostgreSQL (no password: trust auth on 127.0.0.1 only). */
export function sandboxDatabaseUrl(s: Pick<SandboxSettings, 'host' | 'postgresPort'>, database = SANDBOX_DATABASE) {
  return `postgres://${SANDBOX_DB_USER}@${s.host}:${s.postgresPort}/${database}`;
}

/** The uid and gid of user `postgres` when this process is root (PostgreSQL refuses root); else none. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) {
    throw new Error(
      'running as root, PostgreSQL needs the system user `postgres` (apt-get install postgresql-15 creates it)',
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** Connects to the server's `postgres` database and runs `fn`. */
async function withAdmin<T>(s: SandboxSettings, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: sandboxDatabaseUrl(s, 'postgres'), connectionTimeoutMillis: 2000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Creates `name` on the sandbox server unless it exists (tests: one database per test file). */
export async function ensureDatabase(s: SandboxSettings, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`'${name}' is not a plain database name`);
  await withAdmin(s, async (c) => {
    const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await c.query(`CREATE DATABASE ${name}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another caller
      });
    }
  });
  return sandboxDatabaseUrl(s, name);
}

/**
 * PostgreSQL for the shared-state store: Debian's server (bootstrap.sh checks it), its own port and data folder
 * (initdb on first start, superuser `infra`, trust auth on 127.0.0.1 and a socket in the data folder), started in
 * the foreground so `down` stops exactly it (SIGINT: fast shutdown, clients disconnected). fsync is off unless
 * INFRA_AGENT_POSTGRES_FSYNC=1 (the store bench turns it on to compare with the file store's fsync).
 */
export function postgresService(s: SandboxSettings, env: NodeJS.ProcessEnv = process.env): ServiceSpec {
  const bin = (name: string): string => join(s.postgresBinDir, name);
  const dataDir = s.postgresDataDir;
  const runAs = postgresUser();
  const fsync = env.INFRA_AGENT_POSTGRES_FSYNC === '1' ? 'on' : 'off';
  return {
    name: 'postgres',
    command: bin('postgres'),
    args: [
      '-D',
      dataDir,
      '-p',
      String(s.postgresPort),
      '-k',
      dataDir,
      '-c',
      `listen_addresses=${s.host}`,
      '-c',
      `fsync=${fsync}`,
      '-c',
      'max_connections=200',
    ],
    ports: [s.postgresPort],
    installHint: `bash sandbox/bootstrap.sh postgres   (Debian: apt-get install postgresql-15; or set INFRA_AGENT_POSTGRES_BIN_DIR)`,
    url: sandboxDatabaseUrl(s),
    extra: { data: dataDir },
    ...(runAs ? { runAs } : {}),
    stopSignal: 'SIGINT',
    prepare: async () => {
      if (existsSync(join(dataDir, 'PG_VERSION'))) return;
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      if (runAs) chownSync(dataDir, runAs.uid, runAs.gid);
      await run(
        bin('initdb'),
        ['-D', dataDir, '-U', SANDBOX_DB_USER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
        { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), cwd: dataDir, timeout: 60_000 },
      );
    },
    afterStart: async () => {
      await ensureDatabase(s, SANDBOX_DATABASE);
    },
    healthy: async () => {
      try {
        return await withAdmin(s, async (c) => (await c.query('SELECT 1 AS ok')).rows.length === 1);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Removes a throw-away sandbox's PostgreSQL data (tests, benches, suites) after `down`. Under `ownerDir` it goes
 * with that folder anyway; as root it lives in the temp dir (owned by user postgres) and is removed here.
 */
export async function discardPostgresData(
  s: Pick<SandboxSettings, 'postgresDataDir'>,
  ownerDir: string,
): Promise<void> {
  if (!s.postgresDataDir.startsWith(ownerDir)) await rm(s.postgresDataDir, { recursive: true, force: true });
}
