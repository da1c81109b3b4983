import type { SecurityGateResult } from '../rollout/types';
import type { Finding, ScanResult, Severity } from './findings';
import { countsText, findingLine, SEVERITIES, summarise } from './findings';

/**
 * An environment's gate (config `security.gates.<env>`). `report`: scan and show, never block. `block`: findings of
 * the listed severities stop the change — vulnerabilities only when a fixed version exists if `fixableOnly`.
 */
export interface GateRule {
  readonly mode: 'report' | 'block';
  readonly vulnerabilities: readonly Severity[];
  readonly fixableOnly: boolean;
  readonly misconfigurations: readonly Severity[];
}

export const REPORT_ONLY: GateRule = { mode: 'report', vulnerabilities: [], fixableOnly: false, misconfigurations: [] };

/**
 * Decides whether one finding is excused, and why: waivers (core/security/waivers.ts, waiverExcuse) excuse a finding
 * an approver accepted on the scan's exact digest until its expiry. The default excuses nothing.
 */
export type Excuse = (finding: Finding, scan: ScanResult) => string | undefined;
export const NO_EXCUSES: Excuse = () => undefined;

export interface GateVerdict {
  readonly passed: boolean;
  readonly mode: GateRule['mode'];
  /** The findings that block (empty when passed), worst first. */
  readonly blocking: readonly Finding[];
  readonly blockingCount: number;
  /** Findings a rule would block but an excuse (waiver) let through, with the excuse. */
  readonly excused: readonly { readonly finding: Finding; readonly why: string }[];
  /** One line: `BLOCKED: 1 CRITICAL blocks prd (CRITICAL, HIGH with a fix) — CVE-2019-10744 ...`. */
  readonly summary: string;
  /** The worst findings (blocking first), one line each, for the approval card. */
  readonly worst: readonly string[];
}

/** The rule's words: `CRITICAL, HIGH with a fix available`. */
export function ruleText(rule: GateRule): string {
  if (rule.mode === 'report') return 'report only';
  const v = rule.vulnerabilities.length
    ? `vulnerabilities ${rule.vulnerabilities.join('/')}${rule.fixableOnly ? ' with a fix available' : ''}`
    : '';
  const m = rule.misconfigurations.length ? `misconfigurations ${rule.misconfigurations.join('/')}` : '';
  return `blocks ${[v, m].filter(Boolean).join(' and ') || 'nothing'}`;
}

function blocks(rule: GateRule, f: Finding): boolean {
  if (rule.mode !== 'block') return false;
  if (f.kind === 'vuln') return rule.vulnerabilities.includes(f.severity) && (!rule.fixableOnly || Boolean(f.fixed));
  if (f.kind === 'misconfig') return rule.misconfigurations.includes(f.severity);
  // A secret in an image blocks wherever anything blocks: there is no fixed version to wait for.
  return rule.vulnerabilities.length > 0 || rule.misconfigurations.length > 0;
}

/**
 * The verdict for one scan under one environment's rule. The findings it judges are the ScanResult's kept ones
 * (the worst MAX_FINDINGS_KEPT, so every CRITICAL/HIGH of any realistic image); when the result was truncated and
 * the rule blocks a severity whose count exceeds what was kept, the gate blocks rather than guess.
 */
export function evaluateGate(scan: ScanResult, rule: GateRule, env: string, excuse: Excuse = NO_EXCUSES): GateVerdict {
  const blocking: Finding[] = [];
  const excused: { finding: Finding; why: string }[] = [];
  for (const f of scan.findings) {
    if (!blocks(rule, f)) continue;
    const why = excuse(f, scan);
    if (why) excused.push({ finding: f, why });
    else blocking.push(f);
  }
  const unseen =
    scan.truncated && rule.mode === 'block' && SEVERITIES.some((s) => blockedSeverityUnseen(scan, rule, s));
  const passed = blocking.length === 0 && !unseen;
  const counts = countsText(scan.counts);
  const top = summarise(scan.findings, 3).top;
  const worst = [...blocking.slice(0, 3), ...top.filter((f) => !blocking.includes(f))].slice(0, 3).map(findingLine);
  const what = `${scan.target}${scan.digest ? ` (${scan.digest.slice(0, 19)})` : ''}`;
  let summary: string;
  if (rule.mode === 'report') summary = `REPORT ONLY in ${env}: ${what}: ${counts}`;
  else if (passed)
    summary =
      `PASSED in ${env} (${ruleText(rule)}): ${what}: ${counts}` +
      (excused.length
        ? `; ${excused.length} waived (${[...new Set(excused.map((e) => e.finding.id))].join(', ')})`
        : '');
  else if (unseen && blocking.length === 0)
    summary = `BLOCKED in ${env}: ${what} has more findings than were kept (${scan.total}); the gate cannot clear it`;
  else
    summary =
      `BLOCKED in ${env} (${ruleText(rule)}): ${what}: ${blocking.length} blocking of ${counts}` +
      (blocking[0] ? ` — ${findingLine(blocking[0])}` : '');
  return { passed, mode: rule.mode, blocking, blockingCount: blocking.length, excused, summary, worst };
}

function blockedSeverityUnseen(scan: ScanResult, rule: GateRule, s: Severity): boolean {
  if (!rule.vulnerabilities.includes(s) && !rule.misconfigurations.includes(s)) return false;
  const kept = scan.findings.filter((f) => f.severity === s).length;
  return scan.counts[s] > kept;
}

/** A stack deploy's trivy config verdict (security.scanStackTemplates) on its card: summary, rule, worst findings. */
export function configGateLines(g: SecurityGateResult | undefined): string[] {
  if (!g) return [];
  return [
    `Security gate (trivy config): ${g.summary}`,
    ...(g.rule ? [`  rule: ${g.rule}`] : []),
    ...(g.worst ?? []).map((w) => `  • ${w}`),
  ];
}
