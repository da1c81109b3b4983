import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createJsonlAuditLog } from '../adapters/audit/jsonl-audit-log';
import { createPgAuditLog } from '../adapters/store/postgres/audit-log';
import { openPgStore } from '../adapters/store/postgres/pool';
import type { PgStore } from '../adapters/store/postgres/pool';
import type { AuditLog } from '../core/audit';
import { down, up } from '../sandbox/manager';
import { discardPostgresData, ensureDatabase, postgresService } from '../sandbox/postgres';
import { sandboxSettings } from '../sandbox/settings';
import { freePort } from '../test/support/ports';
import { msSince, pct } from './timing';

// Audit appends under 8 concurrent writers, three ways in one run: the JSON-lines file store, the PostgreSQL store,
// and a bare INSERT loop (one autocommitted INSERT per append, no chain, no lock) — the floor PostgreSQL sets.
// Twice: the 8 writers sharing one store instance (one process: its appends are group-committed), and each writer
// with an instance of its own (as 8 processes would be: they contend on the file lock or the chain head row).
// PostgreSQL runs with fsync on here (the file store fsyncs every batch); the sandbox's own server has it off.
const WRITERS = 8;
const PER_WRITER = Number(process.env.BENCH_STORE_APPENDS ?? 250);

interface Figures {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** `writers` loops appending `perWriter` entries each, one after another; every append's latency is kept. */
async function run(writers: ReadonlyArray<(i: number) => Promise<unknown>>, perWriter: number): Promise<Figures> {
  const latencies: number[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    writers.map(async (append, w) => {
      for (let i = 0; i < perWriter; i++) {
        const t = process.hrtime.bigint();
        await append(w * perWriter + i);
        latencies.push(msSince(t));
      }
    }),
  );
  const ms = msSince(t0);
  return { perSecond: (writers.length * perWriter * 1000) / ms, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

const entry = (tag: string, n: number) => ({
  key: `${tag}-${n}`,
  action: 'executed' as const,
  actor: 'U0BENCH',
  operationId: `deploy/web/dev/${n % 50}`,
  environment: 'dev',
  target: 'stack/web',
  details: { changeSet: `cs-${n}`, resources: ['AWS::S3::Bucket', 'AWS::IAM::Role'] },
});

const writersOf = (logs: readonly AuditLog[], tag: string) =>
  Array.from({ length: WRITERS }, (_, w) => (n: number) => (logs[w % logs.length] as AuditLog).append(entry(tag, n)));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
  const env = {
    ...process.env,
    INFRA_AGENT_SANDBOX_DIR: join(dir, 'sandbox'),
    INFRA_AGENT_POSTGRES_PORT: String(await freePort()),
    INFRA_AGENT_POSTGRES_FSYNC: '1',
  };
  const settings = sandboxSettings(env);
  const services = [postgresService(settings, env)];
  await up(settings, services, (l) => console.log(l));
  const opened: PgStore[] = [];
  const pools: Pool[] = [];
  try {
    const rows: string[] = [];
    for (const shape of ['one instance', 'one instance per writer'] as const) {
      const instances = shape === 'one instance' ? 1 : WRITERS;
      const fileDir = mkdtempSync(join(dir, 'file-'));
      const fileLogs = Array.from({ length: instances }, () => createJsonlAuditLog(join(fileDir, 'audit.jsonl')));
      const url = await ensureDatabase(settings, `bench_${instances}`);
      const pgLogs: AuditLog[] = [];
      for (let i = 0; i < instances; i++) {
        const pg = await openPgStore({ url, poolSize: WRITERS });
        opened.push(pg);
        pgLogs.push(createPgAuditLog(pg.db));
      }
      const bare = new Pool({ connectionString: url, max: WRITERS });
      pools.push(bare);
      await bare.query('CREATE TABLE IF NOT EXISTS bare_audit (seq bigserial PRIMARY KEY, key text UNIQUE, line text)');
      const bareWriters = Array.from(
        { length: WRITERS },
        () => (n: number) =>
          bare.query('INSERT INTO bare_audit (key, line) VALUES ($1, $2)', [
            `${instances}-${n}`,
            JSON.stringify(entry('bare', n)),
          ]),
      );
      const file = await run(writersOf(fileLogs, 'file'), PER_WRITER);
      const postgres = await run(writersOf(pgLogs, 'pg'), PER_WRITER);
      const floor = await run(bareWriters, PER_WRITER);
      const row = (name: string, f: Figures) =>
        `  ${name.padEnd(30)} ${f.perSecond.toFixed(0).padStart(7)} appends/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(7)} ms`;
      rows.push(
        `${WRITERS} concurrent writers x ${PER_WRITER} appends, ${shape}:`,
        row('file store (JSON lines)', file),
        row('PostgreSQL store', postgres),
        row('bare INSERT loop (PostgreSQL)', floor),
        `  PostgreSQL / file: ${(postgres.perSecond / file.perSecond).toFixed(2)}x throughput, p99 ${(postgres.p99 / file.p99).toFixed(2)}x;` +
          ` PostgreSQL / bare INSERT: ${(postgres.perSecond / floor.perSecond).toFixed(2)}x throughput, p99 ${(postgres.p99 / floor.p99).toFixed(2)}x`,
        '',
      );
    }
    process.stdout.write(rows.join('\n'));
  } finally {
    await Promise.all([...opened.map((p) => p.close()), ...pools.map((p) => p.end())]);
    await down(settings, services, () => undefined);
    await discardPostgresData(settings, dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
