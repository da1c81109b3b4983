/** Which check produced a finding. `parse` is a template that is not YAML/JSON or not CloudFormation. */
export type FindingSource = 'cfn-lint' | 'cfn-guard' | 'tags' | 'policy' | 'parse';

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
  /**
   * `organisation`: an organisation policy (mandatory tags, the IaCVersion parameter), reported apart from the
   * control findings and configured per organisation (config `validation.organisation`). Absent: a control or
   * template finding.
   */
  readonly category?: 'organisation';
  /** Every check that saw this problem on this resource, when more than one did (one finding, not one per tool). */
  readonly seenBy?: readonly FindingSource[];
  /** Set when the finding holds only in some branches of the template's conditions, e.g. `IsPrd is true`. */
  readonly onlyWhen?: string;
}

/** A finding a template or the config suppressed, with the reason given (audited). */
export interface SuppressedFinding {
  readonly finding: ValidationFinding;
  readonly reason: string;
  /** `template` (resource Metadata) or `config` (validation.suppressions). */
  readonly by: 'template' | 'config';
}

/** A resource of a type no guard rule looks at: reported as not checked, never silently passed. */
export interface UncheckedResource {
  readonly file: string;
  readonly resource: string;
  readonly type: string;
}

/** A rule suppression in the config: `rule` (and optionally `resource`, `file` suffix) with a reason. */
export interface SuppressionRule {
  readonly rule: string;
  readonly resource?: string;
  /** Applies to files whose path ends with this; absent: every file. */
  readonly file?: string;
  readonly reason: string;
}

/** Per-organisation validation policy (config `validation`). */
export interface ValidationPolicy {
  readonly organisation: {
    /** Tags every taggable resource must carry. Default MANDATORY_TAGS; empty: no tag policy. */
    readonly mandatoryTags: readonly string[];
    /** Parameter carrying the deployed commit; null: no such policy. Default `IaCVersion`. */
    readonly iacVersionParameter: string | null;
  };
  readonly suppressions: readonly SuppressionRule[];
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
  /** Findings suppressed by a template's Metadata or the config, with their reasons. */
  readonly suppressed?: readonly SuppressedFinding[];
  /** Resources no rule covers ("not checked"). */
  readonly unchecked?: readonly UncheckedResource[];
  /** How each template was processed before the checks (transforms expanded, condition branches checked). */
  readonly processing?: readonly TemplateProcessing[];
}

/** What was done to a template before checking it. */
export interface TemplateProcessing {
  readonly file: string;
  /** Transforms expanded: `AWS::LanguageExtensions`, `AWS::Serverless-2016-10-31`. */
  readonly transforms: readonly string[];
  /** Condition branches checked (1 when the template has no conditions). */
  readonly branches: number;
  /** Nested stack templates followed from this one. */
  readonly nested?: readonly string[];
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

/** The default organisation policy: the seed's four tags and the IaCVersion parameter; no suppressions. */
export const DEFAULT_VALIDATION_POLICY: ValidationPolicy = {
  organisation: { mandatoryTags: [...MANDATORY_TAGS], iacVersionParameter: 'IaCVersion' },
  suppressions: [],
};

export function hasBlockingFindings(findings: readonly ValidationFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
