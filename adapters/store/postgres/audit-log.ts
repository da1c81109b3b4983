import type { PoolClient, QueryResult } from 'pg';
import type { AuditEntry, AuditLog, AuditRecord } from '../../../core/audit';
import { groupCommit } from '../../audit/group-commit';
import { boundEntry } from '../../audit/bounded-entry';
import { chainRecord } from '../../audit/chain';
import type { AuditExport } from '../../audit/chain';
import { MAX_RECORD_BYTES } from '../../audit/jsonl-audit-log';
import type { Db } from './pool';

/** Most appends written in one transaction. */
const MAX_BATCH = 200;

/** How the PostgreSQL audit log is built. */
export interface PgAuditLogProps {
  /** The clock records are stamped with. Default: the system clock. */
  readonly now?: () => Date;
}

const parse = (rows: readonly { line: string }[]): AuditRecord[] => rows.map((r) => JSON.parse(r.line) as AuditRecord);

/**
 * The audit trail in PostgreSQL, shared by every instance: the same records, hash chain and export as the
 * JSON-lines file. An append locks the chain head row (SELECT … FOR UPDATE), so appends from any number of
 * processes take turns and seq stays gap-free; a key already recorded returns its first record (the UNIQUE key
 * is the backstop). The table refuses UPDATE and DELETE (a trigger). Appends from this process are grouped:
 * one transaction, one head lock and one commit per batch.
 */
export function createPgAuditLog(pool: Db, props: PgAuditLogProps = {}): AuditLog & AuditExport {
  const now = props.now ?? (() => new Date());

  /**
   * One batch in one transaction. First optimistically: lock the head (BEGIN and the lock in one round trip), chain
   * the batch, insert it with ON CONFLICT (key) DO NOTHING and move the head in one statement, commit — three round
   * trips. When a key is already recorded (a retried append) the insert comes up short: roll back and do it again,
   * this time looking the batch's keys up first, so a retry gets its first record back.
   */
  async function commit(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const bounded = entries.map(boundEntry);
    const c = await pool.connect();
    let broken: Error | undefined;
    try {
      return (await attempt(c, bounded, false)) ?? (await attempt(c, bounded, true)) ?? [];
    } catch (e) {
      await c.query('ROLLBACK').catch((r: Error) => {
        broken = r; // the connection is unusable: do not give it back to the pool
      });
      throw e;
    } finally {
      c.release(broken);
    }
  }

  /** Undefined when (optimistically) a key turned out to be recorded already: rolled back, nothing written. */
  async function attempt(
    c: PoolClient,
    bounded: readonly AuditEntry[],
    lookUpKeys: boolean,
  ): Promise<AuditRecord[] | undefined> {
    const locked = (await c.query('BEGIN; SELECT seq, hash FROM audit_chain_head FOR UPDATE')) as unknown as [
      unknown,
      QueryResult<{ seq: string; hash: string }>,
    ];
    const head = locked[1].rows[0];
    if (!head) throw new Error('store: the audit chain head row is missing (was migration 0001 applied?)');
    const byKey = new Map<string, AuditRecord>();
    if (lookUpKeys) {
      const existing = await c.query<{ line: string }>('SELECT line FROM audit_records WHERE key = ANY($1)', [
        bounded.map((e) => e.key),
      ]);
      for (const r of parse(existing.rows)) byKey.set(r.key, r);
    }
    let last = { seq: Number(head.seq), hash: head.hash };
    const out: AuditRecord[] = [];
    const fresh: { record: AuditRecord; line: string }[] = [];
    for (const entry of bounded) {
      const known = byKey.get(entry.key);
      if (known) {
        out.push(known); // a retried append (or the same event twice in one batch): already recorded
        continue;
      }
      const record = chainRecord(entry, last, now());
      const line = JSON.stringify(record);
      if (Buffer.byteLength(line) + 1 > MAX_RECORD_BYTES) throw new Error(`audit record ${entry.key} is over 64 KiB`);
      byKey.set(record.key, record);
      fresh.push({ record, line });
      out.push(record);
      last = record;
    }
    if (fresh.length > 0) {
      const cols = (f: (r: AuditRecord, line: string) => string | number): (string | number)[] =>
        fresh.map((x) => f(x.record, x.line));
      // The head moves only when every row went in (a data-modifying CTE sees the other's RETURNING rows).
      const written = await c.query<{ n: number }>(
        `WITH ins AS (
           INSERT INTO audit_records (seq, key, action, actor, operation_id, environment, at, prev_hash, hash, line)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::timestamptz[], $8::text[], $9::text[], $10::text[])
           ON CONFLICT (key) DO NOTHING RETURNING 1),
         head AS (
           UPDATE audit_chain_head SET seq = $11, hash = $12 WHERE (SELECT count(*) FROM ins) = $13 RETURNING 1)
         SELECT (SELECT count(*) FROM ins)::int AS n`,
        [
          cols((r) => r.seq),
          cols((r) => r.key),
          cols((r) => r.action),
          cols((r) => r.actor),
          cols((r) => r.operationId),
          cols((r) => r.environment),
          cols((r) => r.at),
          cols((r) => r.prevHash),
          cols((r) => r.hash),
          cols((_r, line) => line),
          last.seq,
          last.hash,
          fresh.length,
        ],
      );
      if (written.rows[0]?.n !== fresh.length) {
        await c.query('ROLLBACK');
        if (lookUpKeys) throw new Error('store: an audit key was recorded while the chain head was locked');
        return undefined;
      }
    }
    await c.query('COMMIT');
    return out;
  }

  return {
    // Group commit: one lock (or transaction) per batch of this process's concurrent appends.
    append: groupCommit(commit, MAX_BATCH),
    tail: async (n) =>
      parse(
        (
          await pool.query<{ line: string }>(
            'SELECT line FROM (SELECT seq, line FROM audit_records ORDER BY seq DESC LIMIT $1) t ORDER BY seq',
            [Math.max(0, Math.floor(n))],
          )
        ).rows,
      ),
    forOperation: async (operationId) =>
      parse(
        (
          await pool.query<{ line: string }>('SELECT line FROM audit_records WHERE operation_id = $1 ORDER BY seq', [
            operationId,
          ])
        ).rows,
      ),
    exportJsonLines: async () =>
      (await pool.query<{ line: string }>('SELECT line FROM audit_records ORDER BY seq')).rows
        .map((r) => r.line + '\n')
        .join(''),
  };
}
