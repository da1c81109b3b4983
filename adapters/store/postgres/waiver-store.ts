import type { EnvironmentName } from '../../../core/environments';
import type { Waiver, WaiverStore } from '../../../core/security/waivers';
import type { Db } from './pool';

type Row = { waiver: Waiver };

/**
 * Security waivers in PostgreSQL, shared by every worker: a waiver is added once per id (a retried grant returns
 * the stored one) and revoked once (`WHERE revokedAt IS NULL`: the first revoke stays).
 */
export function createPgWaiverStore(pool: Db): WaiverStore {
  const get = async (id: string): Promise<Waiver | undefined> =>
    (await pool.query<Row>('SELECT waiver FROM waivers WHERE id = $1', [id])).rows[0]?.waiver;
  return {
    add: async (w) => {
      const inserted = await pool.query<Row>(
        'INSERT INTO waivers (id, environment, waiver) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING RETURNING waiver',
        [w.id, w.environment, JSON.stringify(w)],
      );
      return inserted.rows[0]?.waiver ?? (await get(w.id)) ?? w;
    },
    revoke: async (id, by, at) => {
      const r = await pool.query<Row>(
        `UPDATE waivers SET waiver = waiver || jsonb_build_object('revokedBy', $2::text, 'revokedAt', $3::text)
         WHERE id = $1 AND NOT waiver ? 'revokedAt' RETURNING waiver`,
        [id, by, at],
      );
      return r.rows[0]?.waiver ?? (await get(id));
    },
    get,
    list: async (environment?: EnvironmentName) =>
      (
        await pool.query<Row>('SELECT waiver FROM waivers WHERE $1::text IS NULL OR environment = $1 ORDER BY n', [
          environment ?? null,
        ])
      ).rows.map((r) => r.waiver),
  };
}
