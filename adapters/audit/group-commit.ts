import type { AuditEntry, AuditRecord } from '../../core/audit';

/**
 * Group commit for an audit store: appends from this process queue up and are written in batches of at most
 * `maxBatch` — one lock, one write and one sync (or one transaction) per batch — so many concurrent operations in
 * one process do not each take the cross-process lock. Order within a batch is arrival order; every caller gets its
 * own record back, and a failed batch fails each of its callers.
 */
export function groupCommit(
  commit: (entries: readonly AuditEntry[]) => Promise<AuditRecord[]>,
  maxBatch: number,
): (entry: AuditEntry) => Promise<AuditRecord> {
  type Pending = { entry: AuditEntry; resolve: (r: AuditRecord) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          const records = await commit(batch.map((p) => p.entry));
          batch.forEach((p, i) => p.resolve(records[i] as AuditRecord));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return (entry) =>
    new Promise<AuditRecord>((resolve, reject) => {
      queue.push({ entry, resolve, reject });
      void flush();
    });
}
