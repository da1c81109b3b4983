import { generate } from 'otplib';
import { TotpMfaVerifier } from '../../adapters/mfa/totp-verifier';
import { DeliveryDedupe } from '../../bot/dedupe';
import { createPgAlertStore } from '../../adapters/store/postgres/alert-store';
import { createPgAuditLog } from '../../adapters/store/postgres/audit-log';
import { createPgDeliveryLedger } from '../../adapters/store/postgres/delivery-ledger';
import { createPgMfaRecords } from '../../adapters/store/postgres/mfa-records';
import { migrate, readMigrations } from '../../adapters/store/postgres/migrate';
import { connectPgStore, openPgStore } from '../../adapters/store/postgres/pool';
import type { PgStore } from '../../adapters/store/postgres/pool';
import { createPgWaiverStore } from '../../adapters/store/postgres/waiver-store';
import { testDatabaseUrl } from '../support/postgres';
import { describeStoreContract } from './contract';

/** A fresh database per test; every instance has its own pool (its own connections), like another process. */
describeStoreContract('PostgreSQL', async () => {
  const url = await testDatabaseUrl(__filename);
  const opened: PgStore[] = [];
  return {
    instance: (now) => {
      const pg = connectPgStore({ url, poolSize: 4 });
      opened.push(pg);
      const recent = new DeliveryDedupe();
      const shared = createPgDeliveryLedger(pg.db);
      return {
        audit: createPgAuditLog(pg.db, now ? { now } : {}),
        mfaRecords: createPgMfaRecords(pg.db),
        deliveries: { first: async (k: string) => recent.first(k) && (await shared.first(k)) },
        alerts: createPgAlertStore(pg.db),
        waivers: createPgWaiverStore(pg.db),
      };
    },
    childArgs: ['postgres', url],
    close: async () => {
      await Promise.all(opened.map((p) => p.close()));
    },
  };
});

describe('PostgreSQL store: what only the database does', () => {
  test('GIVEN two processes starting on a fresh database at once THEN each migration runs once and both are ready', async () => {
    const url = await testDatabaseUrl(__filename);
    const [a, b] = await Promise.all([openPgStore({ url }), openPgStore({ url })]);
    try {
      const versions = (await readMigrations()).map((m) => m.version);
      expect([...a.migration.applied, ...b.migration.applied].sort()).toEqual(versions);
      expect(a.migration.version).toBe(Math.max(...versions));
      const rows = await a.pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.rows.map((r) => r.version)).toEqual(versions);
      expect((await migrate(b.pool)).applied).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('GIVEN a failing migration THEN it is rolled back, named, and not recorded', async () => {
    const url = await testDatabaseUrl(__filename);
    const pg = await openPgStore({ url });
    try {
      const bad = {
        version: 9999,
        name: 'broken',
        sql: 'CREATE TABLE half_done (x int); SELECT no_such_column FROM half_done',
      };
      await expect(migrate(pg.pool, [...(await readMigrations()), bad])).rejects.toThrow(
        /store migration 9999_broken failed and was rolled back: column "no_such_column" does not exist/,
      );
      expect((await pg.pool.query("SELECT to_regclass('half_done') AS t")).rows[0]).toEqual({ t: null });
      expect((await pg.pool.query('SELECT 1 FROM schema_migrations WHERE version = 9999')).rowCount).toBe(0);
    } finally {
      await pg.close();
    }
  });

  test('GIVEN recorded audit entries THEN UPDATE, DELETE and TRUNCATE of the trail are refused', async () => {
    const url = await testDatabaseUrl(__filename);
    const pg = await openPgStore({ url });
    try {
      const audit = createPgAuditLog(pg.db);
      await audit.append({
        key: 'k',
        action: 'requested',
        actor: 'U1',
        operationId: 'o',
        environment: 'dev',
        target: 't',
      });
      await expect(pg.pool.query("UPDATE audit_records SET actor = 'U9'")).rejects.toThrow(/append-only: UPDATE/);
      await expect(pg.pool.query('DELETE FROM audit_records')).rejects.toThrow(/append-only: DELETE/);
      await expect(pg.pool.query('TRUNCATE audit_records')).rejects.toThrow(/append-only: TRUNCATE/);
      expect((await audit.tail(5)).map((r) => r.actor)).toEqual(['U1']);
    } finally {
      await pg.close();
    }
  });

  test('GIVEN a server that does not answer THEN opening the store fails naming the URL without its password', async () => {
    const err = await openPgStore({ url: 'postgres://infra:s3cret-pw@127.0.0.1:1/none' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /could not open the PostgreSQL store at postgres:\/\/infra@127\.0\.0\.1:1\/none/,
    );
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  test('GIVEN codes reserved, used and given back THEN mfa_used_codes holds the used ones, and its key refuses a code the record forgot', async () => {
    const url = await testDatabaseUrl(__filename);
    const pg = await openPgStore({ url });
    try {
      const records = createPgMfaRecords(pg.db);
      const mfa = new TotpMfaVerifier({ records, key: Buffer.alloc(32, 9) });
      const { secret } = await mfa.enroll('U1');
      const code = await generate({ secret });
      const given = await mfa.reserve('U1', code);
      expect(given.verdict).toBe('ok');
      expect((await pg.pool.query('SELECT step FROM mfa_used_codes')).rowCount).toBe(1);
      await given.release(); // an approval refused: the code may be entered again
      expect((await pg.pool.query('SELECT step FROM mfa_used_codes')).rowCount).toBe(0);
      expect(await mfa.verify('U1', code)).toBe('ok');
      const used = await pg.pool.query<{ user_id: string }>('SELECT user_id FROM mfa_used_codes');
      expect(used.rows).toEqual([{ user_id: 'U1' }]);
      // A record that lost its last used step (a restored backup, a bug): the constraint still refuses the code.
      await pg.pool.query(
        "UPDATE mfa_enrolments SET record = jsonb_set(record, '{lastStep}', '0') - 'reserved' WHERE user_id = 'U1'",
      );
      await expect(mfa.verify('U1', code)).rejects.toThrow(/already held or used \(refused by the store\)/);
    } finally {
      await pg.close();
    }
  });
});
