import { exportFileName, newestPart } from '../../core/k8s/log-export';
import { renderLogExport } from '../../presentation/text/log-export';
import type { KubeReadResult } from '../../workflows/read-only';

const lines = (n: number, from = 1): string =>
  Array.from({ length: n }, (_, i) => `line ${i + from}`).join('\n') + '\n';

describe('full pod log export: what is kept and how it is announced', () => {
  it('GIVEN a log within the limits WHEN cut THEN all of it is kept, nothing is marked capped', () => {
    expect(newestPart(lines(250))).toEqual({ text: lines(250), lines: 250, capped: false });
    expect(newestPart('')).toEqual({ text: '', lines: 0, capped: false });
    // A last line without a newline is still a line.
    expect(newestPart('a\nb')).toEqual({ text: 'a\nb\n', lines: 2, capped: false });
  });

  it('GIVEN more lines than the cap WHEN cut THEN the newest lines are kept and it says so', () => {
    expect(newestPart(lines(250), 100)).toEqual({ text: lines(100, 151), lines: 100, capped: true });
  });

  it('GIVEN wide UTF-8 lines WHEN cut by bytes THEN whole lines that fit in the byte cap are kept', () => {
    const text = 'ü'.repeat(10) + '\n' + '€'.repeat(10) + '\n' + '😀'.repeat(10) + '\n';
    // 20+1, 30+1, 40+1 bytes: a cap of 75 holds the last two lines only.
    const part = newestPart(text, 100, 75);
    expect(part).toEqual({ text: '€'.repeat(10) + '\n' + '😀'.repeat(10) + '\n', lines: 2, capped: true });
    expect(Buffer.byteLength(part.text)).toBeLessThanOrEqual(75);
  });

  it('GIVEN a namespace, pod and time WHEN named THEN the file name is sortable and has no path separators', () => {
    expect(exportFileName('payments-dev', 'payments-api-blue-1', Date.UTC(2026, 10, 26, 23, 5, 9, 123))).toBe(
      'payments-dev_payments-api-blue-1_20261126T230509Z.log',
    );
  });

  it('GIVEN an export result WHEN rendered THEN the person reads where the full log went and how big it is', () => {
    const base = { kind: 'logs', pod: 'p', tailLines: 100, text: '', truncated: false, totalChars: 0, totalLines: 100 };
    const dm = {
      ...base,
      exported: { destination: 'slack-dm', lines: 12345, bytes: 2_500_000, sha256: 'x', capped: false, fileId: 'F1' },
    } as KubeReadResult;
    expect(renderLogExport(dm)).toBe('Full log (12,345 lines, 2.4 MiB) sent to you in a direct message.');
    const file = {
      ...base,
      exported: { destination: 'file', lines: 250, bytes: 3000, sha256: 'x', capped: true, path: '/d/p.log' },
    } as KubeReadResult;
    expect(renderLogExport(file)).toBe(
      "Full log (250 lines, 2.9 KiB, the newest part only: the log is longer than the export limit) written to /d/p.log on the worker's machine (kept 7 days).",
    );
    expect(renderLogExport({ ...base, exportError: 'Slack is not configured' } as KubeReadResult)).toBe(
      'The full log could not be sent: Slack is not configured',
    );
    expect(renderLogExport(base as KubeReadResult)).toBeUndefined();
  });
});
