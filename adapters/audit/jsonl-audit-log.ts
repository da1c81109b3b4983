import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry, AuditLog, AuditRecord } from '../../core/audit';

const GENESIS = '0'.repeat(64);
const LOCK_STALE_MS = 30_000;
/**
 * An append reads only this much of the file's end: enough for the previous record's hash and for the
 * idempotency check (a retried activity appends again within seconds, so its first attempt is near the end).
 */
const TAIL_BYTES = 256 * 1024;
/** Most appends written under one lock and one fsync. */
const MAX_BATCH = 200;

/**
 * An append-only JSON-lines audit file, durable (an append resolves only after fsync) and tamper-evident (each record
 * carries the sha256 of the previous one). A lock file serialises writers across processes (the worker and
 * the front ends both append). Export is the file itself: one JSON object per line.
 */
export function createJsonlAuditLog(path: string, now: () => Date = () => new Date()): AuditLog {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;

  async function readAll(): Promise<AuditRecord[]> {
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    return text
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as AuditRecord);
  }

  async function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const h = await open(lockPath, 'wx');
        await h.writeFile(String(process.pid));
        await h.close();
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await stat(lockPath).catch(() => undefined);
        // A writer killed mid-append leaves its lock behind; after a while it is safe to take over.
        if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) await rm(lockPath, { force: true });
        if (Date.now() > deadline) throw new Error(`audit log ${path} is locked by another writer (${lockPath})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lockPath, { force: true });
    }
  }

  async function readTail(): Promise<AuditRecord[]> {
    const h = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!h) return [];
    try {
      const { size } = await h.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const buf = Buffer.alloc(size - start);
      await h.read(buf, 0, buf.length, start);
      const lines = buf.toString('utf8').split('\n');
      if (start > 0) lines.shift(); // the first line may be cut in the middle
      return lines.filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as AuditRecord);
    } finally {
      await h.close();
    }
  }

  /**
   * Group commit: appends from this process queue up and are written in batches — one lock, one tail read,
   * one write and one fsync per batch — so many concurrent operations in one worker do not each poll the
   * cross-process lock file. Order within a batch is arrival order; every caller gets its own record back.
   */
  type Pending = { entry: AuditEntry; resolve: (r: AuditRecord) => void; reject: (e: unknown) => void };
  let queue: Pending[] = [];
  let flushing = false;

  async function writeBatch(batch: readonly Pending[]): Promise<AuditRecord[]> {
    return withLock(async () => {
      const records = await readTail();
      const byKey = new Map(records.map((r) => [r.key, r]));
      let last = records[records.length - 1];
      const out: AuditRecord[] = [];
      const lines: string[] = [];
      for (const { entry } of batch) {
        const existing = byKey.get(entry.key);
        if (existing) {
          out.push(existing); // a retried activity (or the same event twice in one batch): already recorded
          continue;
        }
        const body = { ...entry, seq: (last?.seq ?? 0) + 1, at: now().toISOString(), prevHash: last?.hash ?? GENESIS };
        const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
        const record: AuditRecord = { ...body, hash };
        byKey.set(record.key, record);
        lines.push(JSON.stringify(record) + '\n');
        out.push(record);
        last = record;
      }
      if (lines.length > 0) {
        const h = await open(path, 'a');
        try {
          await h.write(lines.join(''));
          await h.sync();
        } finally {
          await h.close();
        }
      }
      return out;
    });
  }

  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_BATCH);
        queue = queue.slice(batch.length);
        try {
          const records = await writeBatch(batch);
          batch.forEach((p, i) => p.resolve(records[i] as AuditRecord));
        } catch (e) {
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    append: (entry) =>
      new Promise<AuditRecord>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        void flush();
      }),
    tail: async (n) => (await readAll()).slice(-n),
    forOperation: async (operationId) => (await readAll()).filter((r) => r.operationId === operationId),
  };
}

/** Recomputes the hash chain; returns the seq of the first broken record, or undefined when intact. */
export function verifyAuditChain(records: readonly AuditRecord[]): number | undefined {
  let prev = GENESIS;
  for (const r of records) {
    const { hash, ...body } = r;
    const expect = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (r.prevHash !== prev || hash !== expect) return r.seq;
    prev = hash;
  }
  return undefined;
}
