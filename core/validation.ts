/** Which check produced a finding. `parse` is a template that is not YAML/JSON or not CloudFormation. */
export type FindingSource = 'cfn-lint' | 'cfn-guard' | 'tags' | 'parse';

/** How much a finding matters. Any `error` blocks a deploy. */
export type FindingSeverity = 'error' | 'warning' | 'info';

/** One problem found in one template, whatever tool found it. JSON-safe: crosses activity boundaries. */
export interface ValidationFinding {
  readonly source: FindingSource;
  /** Template path as given by the caller (repo-relative where possible). */
  readonly file: string;
  /** NIST 800-53 control id such as `AU-2`, when the rule enforces one. */
  readonly control?: string;
  /** CloudFormation logical id of the resource concerned, when known. */
  readonly resource?: string;
  /** Rule id: a cfn-lint code such as `E3012`, a guard rule name, or `MandatoryTags`. */
  readonly rule: string;
  readonly message: string;
  readonly severity: FindingSeverity;
}

/** Result of validating a set of templates. */
export interface ValidationReport {
  readonly files: readonly string[];
  readonly findings: readonly ValidationFinding[];
  /** For every guard rule evaluated: the control, and per file pass/fail/skip, for the compliance report. */
  readonly ruleResults: readonly GuardRuleResult[];
  /** True when no finding has severity `error`. */
  readonly passed: boolean;
  /** Versions of the tools that produced the findings, e.g. `{ 'cfn-lint': '1.58.0' }`, when known. */
  readonly toolVersions?: Readonly<Record<string, string>>;
}

/** Outcome of one guard rule over one template. */
export interface GuardRuleResult {
  readonly file: string;
  readonly rule: string;
  readonly control?: string;
  readonly status: 'PASS' | 'FAIL' | 'SKIP';
}

/** The tags every taggable resource must carry (seed, phase 9 / CM-8). */
export const MANDATORY_TAGS = ['Environment', 'Owner', 'SecurityLevel', 'IaC_Version'] as const;

export function hasBlockingFindings(findings: readonly ValidationFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
