import type { PoolClient } from 'pg';
import type { MfaRecord, MfaRecordStore } from '../../mfa/mfa-records';
import { inTransaction } from './pool';
import type { Db } from './pool';

/**
 * MFA records in PostgreSQL, shared by every instance. An update runs in one transaction holding the person's row
 * lock (SELECT … FOR UPDATE on a row created first if missing), so two instances checking the same code take
 * turns and the second sees the step the first used or reserved: a code is accepted once, across instances.
 * Beneath that, each reserved code is a row of mfa_used_codes whose primary key (person, enrolment, step) refuses
 * the same code twice whatever the code above decides. The TOTP secret stays sealed (AES-256-GCM with the
 * deployment's MFA key) as in the file store.
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
        const current = row.rows[0]?.record ?? undefined;
        const { next, value } = await fn(current);
        if (next) {
          await recordCodes(c, userId, current, next);
          await c.query('UPDATE mfa_enrolments SET record = $2, updated_at = now() WHERE user_id = $1', [
            userId,
            JSON.stringify(next),
          ]);
        }
        return value;
      }),
  };
}

/**
 * Mirrors the record's reservations into mfa_used_codes: a new reservation inserts its code (a code already there
 * is a unique violation, and the whole update rolls back); one that ended unused (released, or lapsed) deletes
 * its row; one that ended used (the step is now at or before lastStep) keeps it.
 */
async function recordCodes(
  c: PoolClient,
  userId: string,
  current: MfaRecord | undefined,
  next: MfaRecord,
): Promise<void> {
  const before = new Map((current?.reserved ?? []).map((r) => [r.id, r]));
  const after = new Set((next.reserved ?? []).map((r) => r.id));
  for (const r of next.reserved ?? []) {
    if (before.has(r.id)) continue;
    try {
      await c.query('INSERT INTO mfa_used_codes (user_id, enrolment, step, reservation) VALUES ($1, $2, $3, $4)', [
        userId,
        r.iv,
        r.step,
        r.id,
      ]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505') {
        throw new Error(`MFA: the code of step ${r.step} for ${userId} is already held or used (refused by the store)`);
      }
      throw e;
    }
  }
  for (const [id, r] of before) {
    if (after.has(id) || (r.iv === next.iv && r.step <= next.lastStep)) continue;
    await c.query(
      'DELETE FROM mfa_used_codes WHERE user_id = $1 AND enrolment = $2 AND step = $3 AND reservation = $4',
      [userId, r.iv, r.step, id],
    );
  }
}
