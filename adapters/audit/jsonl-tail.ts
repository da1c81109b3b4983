import type { FileHandle } from 'node:fs/promises';
import type { AuditRecord } from '../../core/audit';

/** What the end of a JSON-lines audit file holds. */
export interface TailScan {
  /** Records read from the end of the file (the last one always, when there is one), oldest first. */
  readonly records: AuditRecord[];
  /** Where the trusted part of the file ends: its size when the tail is sound, else where the torn bytes start. */
  readonly goodEnd: number;
  /** Bytes after the last record: a line without its newline, or trailing lines that are not records. */
  readonly torn?: Buffer;
}

const NL = 0x0a;

function parseRecord(text: string): AuditRecord | undefined {
  try {
    const r = JSON.parse(text) as Partial<AuditRecord> | null;
    return r && typeof r === 'object' && typeof r.seq === 'number' && typeof r.hash === 'string'
      ? (r as AuditRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Scans `buf` (the file's bytes from `start` to its end) backwards. Undefined when the window does not reach back
 * to the start of the last record (a record longer than the window): read a wider one. A line that is not a record
 * before the last record is corruption, not a torn write, and is refused.
 */
export function scanTail(buf: Buffer, start: number, describe: string): TailScan | undefined {
  const records: AuditRecord[] = [];
  let tornFrom = buf.length;
  let lineEnd = buf.lastIndexOf(NL);
  if (lineEnd === -1) {
    if (start > 0) return undefined;
    return buf.length === 0 ? { records, goodEnd: 0 } : { records, goodEnd: 0, torn: buf };
  }
  if (lineEnd < buf.length - 1) tornFrom = lineEnd + 1; // the last line has no newline: never written whole
  let found = false;
  for (;;) {
    const prevNl = lineEnd > 0 ? buf.lastIndexOf(NL, lineEnd - 1) : -1;
    // With part of the file unread, the first line of the window may be cut: it is not looked at.
    if (prevNl === -1 && start > 0) {
      if (!found) return undefined;
      break;
    }
    const lineStart = prevNl + 1;
    const text = buf.toString('utf8', lineStart, lineEnd);
    if (text.trim().length > 0) {
      const rec = parseRecord(text);
      if (rec) {
        found = true;
        records.push(rec);
      } else if (!found) {
        tornFrom = lineStart;
      } else {
        throw new Error(
          `${describe}: the line at byte ${start + lineStart} is not an audit record and is not at the end of the ` +
            'file (so not a torn write); move it out by hand (see docs/runbook.md) — appends are refused until then',
        );
      }
    }
    if (prevNl === -1) break;
    lineEnd = prevNl;
  }
  records.reverse();
  const goodEnd = start + tornFrom;
  return tornFrom < buf.length ? { records, goodEnd, torn: buf.subarray(tornFrom) } : { records, goodEnd };
}

async function readFully(h: FileHandle, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesRead } = await h.read(buf, off, buf.length - off, position + off);
    if (bytesRead === 0) throw new Error(`the file shrank while being read (at byte ${position + off})`);
    off += bytesRead;
  }
}

/**
 * The end of the file: at least `windowBytes` (for the idempotency check) and, whatever its size, the whole last
 * record — the window widens backwards until it holds a full line, so the hash chain never restarts silently.
 */
export async function readTail(h: FileHandle, size: number, windowBytes: number, describe: string): Promise<TailScan> {
  let start = Math.max(0, size - windowBytes);
  for (;;) {
    const buf = Buffer.alloc(size - start);
    await readFully(h, buf, start);
    const scan = scanTail(buf, start, describe);
    if (scan) return scan;
    start = Math.max(0, start - Math.max(windowBytes, size - start));
  }
}
