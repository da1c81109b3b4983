import type { Finding, ScanResult } from '../../core/security/findings';
import { countsText, summarise } from '../../core/security/findings';

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
      `… and ${rest} more (${scan.truncated ? `the worst ${scan.findings.length} were kept; ` : ''}` +
        `run trivy on ${scan.target} for the full report)`,
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
