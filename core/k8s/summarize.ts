import type { K8sTable, TruncatedText } from './results';

/** Rows shown in chat before the rest are counted as omitted. */
export const MAX_TABLE_ROWS = 50;
/** Characters of log or describe text shown in chat. */
export const MAX_TEXT_CHARS = 3000;

/** A capped table. */
export function table(
  columns: readonly string[],
  rows: readonly (readonly string[])[],
  max = MAX_TABLE_ROWS,
): K8sTable {
  return { columns, rows: rows.slice(0, max), omittedRows: Math.max(0, rows.length - max) };
}

/**
 * Keeps the END of the text (the newest log lines matter most), cut at a line boundary, and records the full size
 * so the message can say what was left out.
 */
export function truncateTail(text: string, maxChars = MAX_TEXT_CHARS): TruncatedText {
  const totalLines = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
  if (text.length <= maxChars) return { text, truncated: false, totalChars: text.length, totalLines };
  const tail = text.slice(text.length - maxChars);
  const nl = tail.indexOf('\n');
  return { text: nl >= 0 ? tail.slice(nl + 1) : tail, truncated: true, totalChars: text.length, totalLines };
}

/** Keeps the START of the text (describe output reads top-down). */
export function truncateHead(text: string, maxChars = MAX_TEXT_CHARS): TruncatedText {
  const totalLines = text === '' ? 0 : text.replace(/\n$/, '').split('\n').length;
  if (text.length <= maxChars) return { text, truncated: false, totalChars: text.length, totalLines };
  const head = text.slice(0, maxChars);
  const nl = head.lastIndexOf('\n');
  return { text: nl > 0 ? head.slice(0, nl) : head, truncated: true, totalChars: text.length, totalLines };
}

/** Age like kubectl prints it (`45s`, `12m`, `3h`, `2d`), from ISO timestamps; '' when unknown. */
export function age(fromIso: string | undefined, nowMs: number): string {
  const t = fromIso ? Date.parse(fromIso) : NaN;
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.floor((nowMs - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
