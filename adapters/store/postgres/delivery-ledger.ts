import { createHash } from 'node:crypto';
import type { Db } from './pool';

/** Where and how long the PostgreSQL delivery ledger keeps keys. */
export interface PgDeliveryLedgerProps {
  /** How long a key is kept. Default 30 minutes (as the file ledger: Slack's last retry comes after ~5). */
  readonly ttlMs?: number;
  /** Where a failed sweep is said. */
  readonly warn?: (message: string) => void;
  readonly now?: () => number;
}

/**
 * Slack delivery dedupe shared by every bot instance: a key is claimed by `INSERT … ON CONFLICT DO NOTHING`, so of
 * two instances given the same delivery exactly one inserts the row and handles it. Keys are stored hashed (they
 * hold Slack ids and timestamps); expired ones are deleted now and then in the background.
 */
export function createPgDeliveryLedger(
  pool: Db,
  props: PgDeliveryLedgerProps = {},
): { first(key: string): Promise<boolean> } {
  const ttlMs = props.ttlMs ?? 30 * 60_000;
  const now = props.now ?? Date.now;
  let nextSweepAt = 0;
  const maybeSweep = (): void => {
    const t = now();
    if (t < nextSweepAt) return;
    nextSweepAt = t + Math.max(1000, ttlMs / 2);
    void pool
      .query('DELETE FROM slack_deliveries WHERE seen_at < $1', [new Date(t - ttlMs)])
      .catch((e: Error) => props.warn?.(`could not clear old Slack delivery keys: ${e.message}`));
  };
  return {
    first: async (key) => {
      maybeSweep();
      const r = await pool.query(
        'INSERT INTO slack_deliveries (key_hash, seen_at) VALUES ($1, $2) ON CONFLICT (key_hash) DO NOTHING',
        [createHash('sha256').update(key).digest('hex'), new Date(now())],
      );
      return r.rowCount === 1;
    },
  };
}
