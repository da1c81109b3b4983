import type { VerifyReport } from '../../core/verify/report';

/** A verification in words, shared by the terminal, Slack (body preformatted), the operation's thread and alerts. */
export interface VerifyText {
  readonly headline: string;
  readonly body: string;
  /** True only when every check passed (the terminal's exit code: not deployed is not verified). */
  readonly passed: boolean;
}

/** One line per check, failed ones first, then what was not checked. */
export function verifyBody(report: VerifyReport): string {
  if (report.status === 'NOT_DEPLOYED') return '';
  const ordered = [...report.checks.filter((c) => !c.passed), ...report.checks.filter((c) => c.passed)];
  return [
    ...ordered.map((c) => `  ${c.passed ? 'passed' : 'FAILED'}  ${c.name}: ${c.detail}`),
    ...report.notes.map((n) => `  note: ${n}`),
    `checked ${report.checkedAt}`,
  ].join('\n');
}

export function renderVerify(report: VerifyReport): VerifyText {
  const where = report.kind === 'stack' ? report.target : `namespace ${report.target}`;
  return {
    headline: `[${report.environment}] verify ${report.summary} (${where})`,
    body: verifyBody(report),
    passed: report.status === 'PASSED',
  };
}
