import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../core/audit';

/** Longest string kept whole in a record; a longer one keeps a prefix and its length and digest. */
export const MAX_FIELD_CHARS = 2048;
/** What is kept of a longer string. */
const PREFIX_CHARS = 1024;
/** Longest array or object kept whole inside `details`. */
const MAX_ITEMS = 100;
/** Deeper values inside `details` are kept as (bounded) JSON text. */
const MAX_DEPTH = 6;
/** The most `details` may take in a record; beyond it, the record keeps a preview and the digest of the whole. */
const MAX_DETAILS_BYTES = 32 * 1024;

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * A string cut to a prefix that still proves what was said: `<prefix>…(N chars, sha256 <hex>)`, where the digest
 * is of the whole original text (UTF-8), so whoever holds the original can show it is the one recorded.
 */
export function boundText(s: string, max = MAX_FIELD_CHARS): string {
  if (s.length <= max) return s;
  let cut = Math.min(PREFIX_CHARS, max);
  // Do not split a UTF-16 surrogate pair: half a character would be written as a lone escape.
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}…(${s.length} chars, sha256 ${sha256(s)})`;
}

function boundValue(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return boundText(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) return boundText(JSON.stringify(v));
  if (Array.isArray(v)) {
    const kept = v.slice(0, MAX_ITEMS).map((x) => boundValue(x, depth + 1));
    if (v.length > MAX_ITEMS) {
      kept.push(`…(${v.length - MAX_ITEMS} more items, sha256 ${sha256(JSON.stringify(v.slice(MAX_ITEMS)))})`);
    }
    return kept;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, x] of entries.slice(0, MAX_ITEMS)) out[boundText(k, 256)] = boundValue(x, depth + 1);
  if (entries.length > MAX_ITEMS) {
    const rest = Object.fromEntries(entries.slice(MAX_ITEMS));
    out['…'] = `(${entries.length - MAX_ITEMS} more keys, sha256 ${sha256(JSON.stringify(rest))})`;
  }
  return out;
}

/**
 * The entry as it may be recorded: every string bounded, `details` bounded in breadth, depth and total size.
 * Deterministic, so a retried append of the same oversized entry gets the same key and is still a no-op.
 */
export function boundEntry(entry: AuditEntry): AuditEntry {
  const out: { -readonly [K in keyof AuditEntry]: AuditEntry[K] } = {
    key: boundText(entry.key, 512),
    action: entry.action,
    actor: boundText(entry.actor, 512),
    operationId: boundText(entry.operationId, 512),
    environment: boundText(entry.environment, 512),
    target: boundText(entry.target),
  };
  if (entry.details !== undefined) {
    // Through JSON first: what is recorded is what JSON keeps (Dates as strings, no undefined, no functions).
    const json = JSON.stringify(entry.details);
    if (json !== undefined) {
      let details = boundValue(JSON.parse(json), 0) as Record<string, unknown>;
      if (Buffer.byteLength(JSON.stringify(details)) > MAX_DETAILS_BYTES) {
        details = {
          truncated: { bytes: Buffer.byteLength(json), sha256: sha256(json), preview: boundText(json, PREFIX_CHARS) },
        };
      }
      out.details = details;
    }
  }
  return out;
}
