import type { Finding, ScanResult } from '../../core/security/findings';
import { compareFindings, countsText, summarise } from '../../core/security/findings';

/** How many findings chat and the terminal list; the counts always cover all of them. */
export const SCAN_LINES_SHOWN = 10;

/**
 * A scan for people: a headline with what was scanned and the counts by severity, then the worst findings one a
 * line (severity, id, package installed → fixed, title, link), then what was left out and which DB answered.
 */
export function renderScan(
  scan: ScanResult,
  shown = SCAN_LINES_SHOWN,
): { headline: string; body: string; clean: boolean } {
  const s = summarise(scan.findings, shown);
  const about = [scan.os, scan.digest ? scan.digest.slice(0, 19) : undefined].filter(Boolean).join(', ');
  const what = scan.artifact === 'image' ? 'vulnerabilities' : 'misconfigurations';
  const fixable = scan.artifact === 'image' && scan.total > 0 ? `, ${s.fixable} of the listed with a fix` : '';
  const headline =
    `${scan.target}${about ? ` (${about})` : ''}: ` +
    (scan.total === 0 ? `no known ${what}` : `${countsText(scan.counts)}${fixable}`);
  const lines = s.top.map(line);
  const rest = scan.total - s.top.length;
  if (rest > 0)
    lines.push(
      `… and ${rest} more in the full report (${reportFileName(scan)})` +
        (scan.truncated
          ? `: the worst ${scan.findings.length} of ${scan.total}; run trivy on ${scan.target} for every one`
          : ''),
    );
  const db = scan.db
    ? ` · vulnerability DB: ${scan.db.source}${scan.db.updatedAt ? `, built ${scan.db.updatedAt.slice(0, 10)}` : ''}`
    : '';
  lines.push(`trivy ${scan.scanner.version ?? ''}${db}`.replace('  ', ' ').trim());
  return { headline, body: lines.join('\n'), clean: scan.total === 0 };
}

function line(f: Finding): string {
  const where = f.pkg ? `${f.pkg} ${f.installed ?? '?'} → ${f.fixed ?? 'no fix yet'}` : (f.resource ?? f.target);
  return `${f.severity.padEnd(8)} ${f.id}  ${where}  ${f.title}${f.url ? `  ${f.url}` : ''}`;
}

/** The full report's file name: what was scanned and when, in characters every file system takes. */
export function reportFileName(scan: ScanResult): string {
  const what = scan.target.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  return `trivy-${what}-${scan.scannedAt.replace(/[^0-9TZ]/g, '')}.txt`;
}

/**
 * The full report, for a scan whose findings do not fit the message (more than `shown`): every finding the result
 * holds (all of them: the gateway unpacks the scan commands' packed rest; only a report too large to carry even
 * packed holds the worst 200, and says so), one a line with package, installed → fixed, where and the link. Undefined when the message already lists them all. Attached in Slack (files.uploadV2),
 * written to a file by the terminal.
 */
export function scanReport(
  scan: ScanResult,
  shown = SCAN_LINES_SHOWN,
): { readonly fileName: string; readonly text: string; readonly count: number } | undefined {
  if (scan.total <= shown) return undefined;
  const head = renderScan(scan, 0).headline;
  const sorted = [...scan.findings].sort(compareFindings);
  const lines = [
    `trivy ${scan.artifact === 'image' ? 'image' : 'config'} report: ${head}`,
    `scanned ${scan.scannedAt}${scan.db?.updatedAt ? `, vulnerability DB built ${scan.db.updatedAt}` : ''}`,
    scan.truncated
      ? `${scan.findings.length} of ${scan.total} findings (the worst; run trivy on ${scan.target} for every one)`
      : `${scan.total} findings`,
    '',
    ...sorted.map((f) => `${line(f)}  [${f.target}]`),
  ];
  return { fileName: reportFileName(scan), text: `${lines.join('\n')}\n`, count: sorted.length };
}
