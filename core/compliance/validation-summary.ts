import type { ValidationFinding, ValidationReport } from '../validation';
import { CONTROLS } from './controls';

/** One finding on one line: severity, rule, resource, message, the branch it holds in, and who saw it. */
export function findingLine(f: ValidationFinding, withFile: boolean): string {
  return (
    `${f.severity.toUpperCase().padEnd(7)} ${f.rule}${f.resource ? ` ${f.resource}` : ''}: ${f.message}` +
    (f.onlyWhen ? ` [only when ${f.onlyWhen}]` : '') +
    (f.seenBy ? ` (seen by ${f.seenBy.join(', ')})` : '') +
    (withFile ? ` — ${f.file}` : '')
  );
}

/**
 * A validation report as people read it: findings grouped by NIST control (in the controls' order), then the
 * organisation policies, then the other template findings (cfn-lint, parse), then what was not checked, what was
 * suppressed and how templates were processed. Plain text; the front ends wrap it.
 */
export function validationSummaryLines(report: ValidationReport): string[] {
  const withFile = report.files.length > 1;
  const lines: string[] = [];
  const controls = report.findings.filter((f) => f.category !== 'organisation' && f.control);
  const order = [...CONTROLS.map((c) => c.id), ...new Set(controls.map((f) => f.control as string))];
  for (const id of [...new Set(order)]) {
    const mine = controls.filter((f) => f.control === id);
    if (mine.length === 0) continue;
    const title = CONTROLS.find((c) => c.id === id)?.title;
    lines.push(
      `${id}${title ? ` ${title}` : ''} (${mine.length})`,
      ...mine.map((f) => `  ${findingLine(f, withFile)}`),
    );
  }
  const organisation = report.findings.filter((f) => f.category === 'organisation');
  if (organisation.length > 0)
    lines.push(
      `Organisation policy (${organisation.length})`,
      ...organisation.map((f) => `  ${findingLine(f, withFile)}`),
    );
  const rest = report.findings.filter((f) => f.category !== 'organisation' && !f.control);
  if (rest.length > 0) lines.push(`Template (${rest.length})`, ...rest.map((f) => `  ${findingLine(f, withFile)}`));
  if (report.findings.length === 0) lines.push('no findings');
  const unchecked = report.unchecked ?? [];
  if (unchecked.length > 0) {
    const types = new Map<string, number>();
    for (const u of unchecked) types.set(u.type, (types.get(u.type) ?? 0) + 1);
    lines.push(
      `Not checked: no rule covers ${unchecked.length} resource(s): ` +
        [...types].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', '),
    );
  }
  for (const s of report.suppressed ?? [])
    lines.push(
      `Suppressed (${s.by}): ${s.finding.rule}${s.finding.resource ? ` ${s.finding.resource}` : ''}` +
        `${withFile ? ` in ${s.finding.file}` : ''} — ${s.reason}`,
    );
  for (const p of report.processing ?? []) {
    const what = [
      ...(p.transforms.length > 0 ? [`expanded ${p.transforms.join(' + ')}`] : []),
      ...(p.branches > 1 ? [`checked ${p.branches} condition branches`] : []),
      ...(p.nested?.length ? [`followed nested ${p.nested.join(', ')}`] : []),
    ];
    if (what.length > 0) lines.push(`Processed ${p.file}: ${what.join('; ')}`);
  }
  return lines;
}
