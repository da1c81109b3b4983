import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ReportFormat } from '../core/compliance/outputs';
import { REPORT_FORMATS, renderReportAs } from '../core/compliance/outputs';
import type { ValidationReport } from '../core/validation';

/** `validate <path> --format sarif [--out FILE]`: the line without the flags, and what to write. */
export type ReportRequest =
  | { readonly ok: true; readonly line: string; readonly format?: ReportFormat; readonly out?: string }
  | { readonly ok: false; readonly error: string };

const FLAGS = /\s+--format(?:\s+|=)(\S+)(?:\s+--out(?:\s+|=)(\S+))?\s*$/;

/** Splits the terminal-only output flags off a `validate` line (other lines are returned as they are). */
export function reportRequest(line: string): ReportRequest {
  if (!/^\s*validate\s/.test(line)) return { ok: true, line };
  const m = FLAGS.exec(line);
  if (!m) {
    if (/\s--(format|out)\b/.test(line))
      return { ok: false, error: 'write the output flags last: validate <path> --format sarif|junit [--out FILE]' };
    return { ok: true, line };
  }
  const format = m[1] as ReportFormat;
  if (!REPORT_FORMATS.includes(format))
    return { ok: false, error: `--format: '${m[1]}' is not a report format; use ${REPORT_FORMATS.join(' or ')}` };
  return { ok: true, line: line.slice(0, m.index), format, ...(m[2] ? { out: m[2] } : {}) };
}

/** Writes the report in `format` (default file: validation-<time>.sarif|.xml in the working directory). */
export async function writeReport(
  report: ValidationReport,
  format: ReportFormat,
  out: string | undefined,
  now = Date.now(),
): Promise<string> {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const path = resolve(out ?? `validation-${stamp}.${format === 'sarif' ? 'sarif' : 'xml'}`);
  await writeFile(path, renderReportAs(format, report));
  return path;
}
