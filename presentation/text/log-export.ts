import type { KubeReadResult } from '../../core/commands/results';

const size = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1048576).toFixed(1)} MiB`;

/**
 * One line saying where a pod's full log went (or why it could not be sent), for a log that chat shows only the
 * end of; undefined for any other result.
 */
export function renderLogExport(r: KubeReadResult): string | undefined {
  if (r.exportError) return `The full log could not be sent: ${r.exportError}`;
  const e = r.exported;
  if (!e) return undefined;
  const what = `${e.lines.toLocaleString('en-US')} lines, ${size(e.bytes)}${e.capped ? ', the newest part only: the log is longer than the export limit' : ''}`;
  return e.destination === 'slack-dm'
    ? `Full log (${what}) sent to you in a direct message.`
    : `Full log (${what}) written to ${e.path ?? '?'} on the worker's machine (kept 7 days).`;
}
