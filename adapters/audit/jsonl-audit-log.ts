import { mkdirSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry, AuditLog, AuditRecord } from '../../core/audit';
import { groupCommit } from './group-commit';
import { boundEntry } from './bounded-entry';
import { chainRecord } from './chain';
import { withFileLock } from './file-lock';
import { readTail, scanTail } from './jsonl-tail';
import { quarantineTornTail, recordQuarantines } from './torn-tail';
import type { AuditAlerts } from './torn-tail';
import type { AuditExport } from './chain';

/**
 * An append reads at least this much of the file's end for the idempotency check (a retried activity appends
 * again within seconds, so its first attempt is near the end) — and further back if the last record is longer.
 */
const TAIL_BYTES = 256 * 1024;
/** Most appends written under one lock and one fsync. */
const MAX_BATCH = 200;
/** No record is longer than this (entries are bounded first; this is the backstop). */
export const MAX_RECORD_BYTES = 64 * 1024;

/** How the audit log is built. */
export interface JsonlAuditLogProps {
  /** The clock records are stamped with. Default: the system clock. */
  readonly now?: () => Date;
  /** Where alerts go (a torn tail moved aside). Default: console.error. */
  readonly alerts?: AuditAlerts;
}

/**
 * An append-only JSON-lines audit file, durable (an append resolves only after fsync) and tamper-evident (each record
 * carries the sha256 of the previous one). A lock file serialises writers across processes (the worker and
 * the front ends both append). Export is the file itself: one JSON object per line.
 *
 * Appends are all-or-nothing: a short or failed write is cut back off before the lock is released. A torn tail
 * left by a crash (or by older code on a full disk) is moved aside into `<file>.torn-<time>` and recorded
 * (`audit-tail-quarantined`), never chained onto and never dropped.
 */
export function createJsonlAuditLog(path: string, props: JsonlAuditLogProps = {}): AuditLog & AuditExport {
  mkdirSync(dirname(path), { recursive: true });
  const now = props.now ?? (() => new Date());
  const alerts: AuditAlerts = props.alerts ?? { error: (m) => console.error(m) };
  const lockPath = `${path}.lock`;
  const withLock = <T>(fn: () => Promise<T>): Promise<T> =>
    withFileLock(lockPath, fn, { warn: (m) => alerts.error(`audit log: ${m}`) });

  /** Under the lock: moves a torn tail aside, then appends `entries` (after records of any quarantine). */
  async function commit(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const h = await open(path, 'a+');
    try {
      let size = (await h.stat()).size;
      const scan = await readTail(h, size, TAIL_BYTES, `audit log ${path}`);
      if (scan.torn) {
        await quarantineTornTail({ path, handle: h, scan, now: now(), alerts });
        size = scan.goodEnd;
      }
      const quarantines = await recordQuarantines(path);
      const byKey = new Map(scan.records.map((r) => [r.key, r]));
      let last = scan.records[scan.records.length - 1];
      const out: AuditRecord[] = [];
      const lines: string[] = [];
      for (const raw of [...quarantines.map((q) => q.entry), ...entries]) {
        const entry = boundEntry(raw);
        const existing = byKey.get(entry.key);
        if (existing) {
          out.push(existing); // a retried activity (or the same event twice in one batch): already recorded
          continue;
        }
        const record = chainRecord(entry, last, now());
        const line = JSON.stringify(record) + '\n';
        if (Buffer.byteLength(line) > MAX_RECORD_BYTES) throw new Error(`audit record ${entry.key} is over 64 KiB`);
        byKey.set(record.key, record);
        lines.push(line);
        out.push(record);
        last = record;
      }
      if (lines.length > 0) await appendAllOrNothing(h, Buffer.from(lines.join('')), size);
      for (const q of quarantines) {
        // The record is durable; a failed rename only means the next append names the file again (a no-op).
        await q.recorded().catch((e: Error) => alerts.error(`audit log ${path}: ${e.message}`));
      }
      return out.slice(quarantines.length);
    } finally {
      await h.close();
    }
  }

  async function readAll(): Promise<AuditRecord[]> {
    for (let attempt = 0; ; attempt++) {
      const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return Buffer.alloc(0);
        throw e;
      });
      const scan = scanTail(buf, 0, `audit log ${path}`) ?? { records: [], goodEnd: 0 };
      // A torn tail — or an append in progress, seen without the lock: under the lock, the first is moved aside
      // and the second has finished. Either way the next read is whole.
      if (!scan.torn || attempt > 0) return scan.records;
      await withLock(() => commit([]));
    }
  }

  return {
    // Group commit: one lock (or transaction) per batch of this process's concurrent appends.
    append: groupCommit((entries) => withLock(() => commit(entries)), MAX_BATCH),
    tail: async (n) => (await readAll()).slice(-n),
    forOperation: async (operationId) => (await readAll()).filter((r) => r.operationId === operationId),
    // The file is the export; read whole records only (a torn tail is not part of it).
    exportJsonLines: async () => (await readAll()).map((r) => JSON.stringify(r) + '\n').join(''),
  };
}

/**
 * Writes all of `data` at the end of the file and fsyncs it, or leaves the file as it was (`size` bytes). Node's
 * write resolves with fewer bytes than asked on a nearly full disk, without an error: the rest is written in a
 * loop, and a write that makes no progress is the error.
 */
async function appendAllOrNothing(h: FileHandle, data: Buffer, size: number): Promise<void> {
  try {
    let off = 0;
    while (off < data.length) {
      const { bytesWritten } = await h.write(data, off, data.length - off);
      if (bytesWritten <= 0) throw Object.assign(new Error('no space left for the audit record'), { code: 'ENOSPC' });
      off += bytesWritten;
    }
    await h.sync();
  } catch (e) {
    // Nothing was reported as recorded: cut the partial bytes back off so no torn record is left to chain onto.
    try {
      await h.truncate(size);
      await h.sync();
    } catch {
      // The torn bytes stay; the next append (under the lock) finds and quarantines them.
    }
    const code = (e as NodeJS.ErrnoException).code;
    throw Object.assign(new Error(`audit record not written (nothing was recorded): ${(e as Error).message}`), {
      cause: e,
      ...(code ? { code } : {}),
    });
  }
}

/** Kept here too: callers import the chain check from the file store's module. */
export { verifyAuditChain } from './chain';
