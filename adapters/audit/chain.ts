import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from '../../core/audit';

/** The prevHash of the first record. */
export const GENESIS = '0'.repeat(64);

/**
 * The record that follows `prev` in the chain: the (bounded) entry, its seq and time, the previous hash, and the
 * sha256 of all of that as JSON in exactly this key order. Every store computes it here, so a chain written by the
 * file store and one written by PostgreSQL verify with the same function and export the same bytes.
 */
export function chainRecord(
  entry: AuditEntry,
  prev: { readonly seq: number; readonly hash: string } | undefined,
  at: Date,
): AuditRecord {
  const body = { ...entry, seq: (prev?.seq ?? 0) + 1, at: at.toISOString(), prevHash: prev?.hash ?? GENESIS };
  return { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
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

/** A store that can hand its whole trail over as JSON lines, one record a line, oldest first. */
export interface AuditExport {
  /** The same bytes whichever store holds the trail (for the file store: its whole records). */
  exportJsonLines(): Promise<string>;
}
