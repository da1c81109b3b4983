import type { AlertRecord, AlertStore } from '../../../core/alerts/alert';
import type { Db } from './pool';

/** Alert state in PostgreSQL: the latest record per alert key, shared by every worker. */
export function createPgAlertStore(pool: Db): AlertStore {
  return {
    get: async (key) =>
      (await pool.query<{ record: AlertRecord }>('SELECT record FROM alert_state WHERE key = $1', [key])).rows[0]
        ?.record,
    list: async () =>
      (await pool.query<{ record: AlertRecord }>('SELECT record FROM alert_state ORDER BY key')).rows.map(
        (r) => r.record,
      ),
    put: async (record) => {
      await pool.query(
        'INSERT INTO alert_state (key, record) VALUES ($1, $2) ' +
          'ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, updated_at = now()',
        [record.key, JSON.stringify(record)],
      );
    },
  };
}
