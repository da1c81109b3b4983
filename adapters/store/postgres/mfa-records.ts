import type { MfaRecord, MfaRecordStore } from '../../mfa/mfa-records';
import { inTransaction } from './pool';
import type { Db } from './pool';

/**
 * MFA records in PostgreSQL, shared by every instance. An update runs in one transaction holding the person's row
 * lock (SELECT … FOR UPDATE on a row created first if missing), so two instances checking the same code take
 * turns and the second sees the step the first used or reserved: a code is accepted once, across instances.
 * The TOTP secret stays sealed (AES-256-GCM with the deployment's MFA key) as in the file store.
 */
export function createPgMfaRecords(pool: Db): MfaRecordStore {
  return {
    get: async (userId) =>
      (await pool.query<{ record: MfaRecord | null }>('SELECT record FROM mfa_enrolments WHERE user_id = $1', [userId]))
        .rows[0]?.record ?? undefined,
    update: (userId, fn) =>
      inTransaction(pool, async (c) => {
        // A row to lock even for someone never enrolled: their refusals must not race either.
        await c.query('INSERT INTO mfa_enrolments (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [userId]);
        const row = await c.query<{ record: MfaRecord | null }>(
          'SELECT record FROM mfa_enrolments WHERE user_id = $1 FOR UPDATE',
          [userId],
        );
        const { next, value } = await fn(row.rows[0]?.record ?? undefined);
        if (next) {
          await c.query('UPDATE mfa_enrolments SET record = $2, updated_at = now() WHERE user_id = $1', [
            userId,
            JSON.stringify(next),
          ]);
        }
        return value;
      }),
  };
}
