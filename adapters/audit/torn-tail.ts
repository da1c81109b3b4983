import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AuditEntry } from '../../core/audit';
import type { TailScan } from './jsonl-tail';

/** Where the audit log says something an operator must look at. Bolt's Logger and `console` both fit. */
export interface AuditAlerts {
  error(message: string): void;
}

/** A quarantine file not yet named in an audit record carries this suffix until its record is written. */
const UNRECORDED = '.unrecorded';

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function createExclusive(path: string, data: Buffer): Promise<void> {
  const h = await open(path, 'wx', 0o600);
  let whole = false;
  try {
    await h.writeFile(data); // loops over short writes; a full disk is an error
    await h.sync();
    whole = true;
  } finally {
    await h.close().catch(() => undefined);
    if (!whole) await rm(path, { force: true });
  }
}

/**
 * Under the audit lock: copies the torn bytes into `<file>.torn-<time>` (durably, first), then cuts them off the
 * log. The copy carries the `.unrecorded` suffix until an `audit-tail-quarantined` record names it, so a crash or
 * a full disk between the two cannot lose the fact. A copy that cannot be written refuses the append.
 */
export async function quarantineTornTail(o: {
  readonly path: string;
  readonly handle: FileHandle;
  readonly scan: TailScan;
  readonly now: Date;
  readonly alerts: AuditAlerts;
}): Promise<void> {
  const torn = o.scan.torn ?? Buffer.alloc(0);
  const digest = createHash('sha256').update(torn).digest('hex');
  const stamp = o.now.toISOString().replace(/[:.]/g, '-');
  let target = '';
  for (let n = 0; !target; n++) {
    const candidate = `${o.path}.torn-${stamp}${n ? `-${n}` : ''}`;
    if (await stat(candidate).catch(() => undefined)) continue;
    try {
      await createExclusive(candidate + UNRECORDED, torn);
      target = candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(
        `audit log ${o.path} ends in a torn record (${torn.length} bytes) that could not be moved aside ` +
          `(${(e as Error).message}); appends are refused until it can`,
        { cause: e },
      );
    }
  }
  await syncDir(dirname(o.path));
  await o.handle.truncate(o.scan.goodEnd);
  await o.handle.sync();
  o.alerts.error(
    `audit log ${o.path}: its last ${torn.length} bytes (from byte ${o.scan.goodEnd}, sha256 ${digest}) were not a ` +
      `whole record — a write torn by a crash or a full disk. Moved to ${target}; the chain goes on from the last ` +
      `whole record (seq ${o.scan.records.at(-1)?.seq ?? 0}). Nothing in it was ever reported as recorded.`,
  );
}

async function digestOf(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A quarantine file to name in the audit trail, and what to do once its record is durable. */
export interface PendingQuarantine {
  readonly entry: AuditEntry;
  recorded(): Promise<void>;
}

/** Under the audit lock: every quarantine file of this log whose record is still to be written (normally none). */
export async function recordQuarantines(path: string): Promise<PendingQuarantine[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.torn-`;
  const names = (await readdir(dir)).filter((n) => n.startsWith(prefix) && n.endsWith(UNRECORDED)).sort();
  const out: PendingQuarantine[] = [];
  for (const name of names) {
    const file = name.slice(0, -UNRECORDED.length);
    const { bytes, sha256 } = await digestOf(join(dir, name));
    out.push({
      entry: {
        key: `audit-tail-quarantined|${file}`,
        action: 'audit-tail-quarantined',
        actor: 'infra-agent',
        operationId: 'audit-log',
        environment: '-',
        target: basename(path),
        details: { file, bytes, sha256 },
      },
      recorded: async () => {
        await rename(join(dir, name), join(dir, file));
        await syncDir(dir);
      },
    });
  }
  return out;
}
