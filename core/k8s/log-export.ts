/**
 * The whole log of a pod, sent where only the person who asked can read it. Chat shows the last lines of a log;
 * when there is more, the full text goes to a direct message (Slack) or a file on the worker (terminal). The
 * text itself never enters workflow history or the audit trail: only its size and digest do.
 */

/** Where a full log goes. */
export type LogExportDestination =
  /** A direct message with the bot, to this Slack user (files cannot be ephemeral; a channel could be wrong). */
  | { readonly kind: 'slack-dm'; readonly slackUserId: string }
  /** A file (mode 0600) under the worker's log-export folder; the terminal prints its path. */
  | { readonly kind: 'file' };

/** What was exported. JSON-safe; recorded in history and audit. */
export interface LogExport {
  readonly destination: LogExportDestination['kind'];
  readonly lines: number;
  readonly bytes: number;
  /** sha256 of the exported text, so the audit record names exactly what was handed out. */
  readonly sha256: string;
  /** True when the log was longer than the export cap and only its newest part was sent. */
  readonly capped: boolean;
  /** Slack: the uploaded file's id and the DM channel. */
  readonly fileId?: string;
  readonly channel?: string;
  /** File: the path on the worker's machine. */
  readonly path?: string;
}

/** At most this many of the newest lines are exported. */
export const MAX_EXPORT_LINES = 100_000;
/** At most this many bytes (the newest lines that fit) are exported. */
export const MAX_EXPORT_BYTES = 8 * 1024 * 1024;
/** Exported files older than this are deleted by the next export. */
export const EXPORT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** A file name for a pod's log taken at `atMs`: `<namespace>_<pod>_<yyyymmddThhmmssZ>.log`. */
export function exportFileName(namespace: string, pod: string, atMs: number): string {
  const stamp = new Date(atMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${namespace}_${pod}_${stamp}.log`;
}

/** The newest lines of `text` that fit in `maxBytes` and `maxLines`, and whether anything was dropped. */
export function newestPart(
  text: string,
  maxLines = MAX_EXPORT_LINES,
  maxBytes = MAX_EXPORT_BYTES,
): { text: string; lines: number; capped: boolean } {
  const all = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  if (text === '') return { text: '', lines: 0, capped: false };
  let kept = all.slice(-maxLines);
  let capped = kept.length < all.length;
  // Bytes, not characters: UTF-8 lines can be wider than their length.
  let bytes = 0;
  let start = kept.length;
  while (start > 0) {
    const next = bytes + utf8Length(kept[start - 1] ?? '') + 1;
    if (next > maxBytes) break;
    bytes = next;
    start--;
  }
  if (start > 0) {
    kept = kept.slice(start);
    capped = true;
  }
  return { text: kept.join('\n') + '\n', lines: kept.length, capped };
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
