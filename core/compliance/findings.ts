import type {
  FindingSource,
  SuppressedFinding,
  SuppressionRule,
  UncheckedResource,
  ValidationFinding,
  ValidationPolicy,
} from '../validation';
import { MANDATORY_TAGS } from '../validation';
import type { CfnTemplate } from './cfn-template';
import { isRecord } from './cfn-template';

/**
 * The problem a rule reports, so that one problem on one resource is one finding whichever checks see it:
 * the mandatory-tags check and the CM-8 guard rules report the same missing tags; the CM-3 guard rules and the
 * IaCVersion check the same parameter. Any other rule is its own problem.
 */
const SAME_PROBLEM: Readonly<Record<string, string>> = {
  MandatoryTags: 'mandatory-tags',
  CM8_MANDATORY_TAGS: 'mandatory-tags',
  CM8_MANDATORY_TAGS_MAP: 'mandatory-tags',
  CM8_LAUNCH_TEMPLATE_TAGS: 'mandatory-tags',
  IaCVersionParameter: 'iac-version-parameter',
  CM3_IAC_VERSION_PARAMETER: 'iac-version-parameter',
  CM3_IAC_VERSION_TAG_FROM_COMMIT: 'iac-version-tag',
  CM3_IAC_VERSION_MAP_TAG_FROM_COMMIT: 'iac-version-tag',
  CM3_LAUNCH_TEMPLATE_VERSION_TAG: 'iac-version-tag',
};

/** Problems that are organisation policy rather than a security control (reported in their own section). */
const ORGANISATION_PROBLEMS = new Set(['mandatory-tags', 'iac-version-parameter', 'iac-version-tag']);

export const problemOf = (rule: string): string => SAME_PROBLEM[rule] ?? rule;

export const isOrganisationRule = (rule: string): boolean => ORGANISATION_PROBLEMS.has(problemOf(rule));

/** True when the organisation policy is the one the guard rules encode (then their findings count too). */
export function isDefaultOrganisation(policy: ValidationPolicy): boolean {
  const tags = policy.organisation.mandatoryTags;
  return (
    policy.organisation.iacVersionParameter === 'IaCVersion' &&
    tags.length === MANDATORY_TAGS.length &&
    MANDATORY_TAGS.every((t) => tags.includes(t))
  );
}

// Which check's wording wins when several see the same problem: the configurable organisation checks, then the
// guard rules (their messages carry a remediation), then cfn-lint.
const SOURCE_RANK: Readonly<Record<FindingSource, number>> = {
  parse: 0,
  tags: 1,
  policy: 1,
  'cfn-guard': 2,
  'cfn-lint': 3,
};

/**
 * One finding per (file, resource, problem): the messages of one rule's clauses about one resource are joined,
 * and a problem several checks see is reported once, naming them all in `seenBy`. Organisation policy findings
 * are marked `category: 'organisation'`.
 */
export function dedupeFindings(findings: readonly ValidationFinding[]): ValidationFinding[] {
  const groups = new Map<string, ValidationFinding[]>();
  for (const f of findings) {
    const key = [f.file, f.resource ?? '', problemOf(f.rule), f.onlyWhen ?? ''].join('\0');
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const out: ValidationFinding[] = [];
  for (const group of groups.values()) {
    const sorted = [...group].sort((a, b) => SOURCE_RANK[a.source] - SOURCE_RANK[b.source]);
    const first = sorted[0] as ValidationFinding;
    const sameCheck = sorted.filter((f) => f.source === first.source && f.rule === first.rule);
    const messages = [...new Set(sameCheck.map((f) => f.message))];
    const sources = [...new Set(sorted.map((f) => f.source))];
    const control = sorted.find((f) => f.control)?.control;
    const severity = sorted.some((f) => f.severity === 'error')
      ? 'error'
      : sorted.some((f) => f.severity === 'warning')
        ? 'warning'
        : 'info';
    out.push({
      ...first,
      ...(control ? { control } : {}),
      message: messages.join('; '),
      severity,
      ...(isOrganisationRule(first.rule) ? { category: 'organisation' as const } : {}),
      ...(sources.length > 1 ? { seenBy: sources } : {}),
    });
  }
  return out;
}

/** A suppression written in a template: `Metadata` of a resource (or of the template, naming the resource). */
export interface TemplateSuppression {
  readonly rule: string;
  /** Absent: every resource of the template (template-level Metadata without `resource`). */
  readonly resource?: string;
  readonly reason?: string;
}

/**
 * Suppressions a template declares, in the two spellings people use:
 * `Metadata: { infra-agent: { suppress: [{ rule, reason }] } }` and cfn-nag's
 * `Metadata: { cfn_nag: { rules_to_suppress: [{ id, reason }] } }`, on a resource or on the template (where
 * `resource:` may name the resource).
 */
export function templateSuppressions(template: CfnTemplate & { Metadata?: unknown }): TemplateSuppression[] {
  const out: TemplateSuppression[] = [];
  out.push(...suppressionsIn(template.Metadata, undefined));
  for (const [id, body] of Object.entries(template.Resources)) {
    if (isRecord(body)) out.push(...suppressionsIn(body.Metadata, id));
  }
  return out;
}

function suppressionsIn(metadata: unknown, resource: string | undefined): TemplateSuppression[] {
  if (!isRecord(metadata)) return [];
  const own = isRecord(metadata['infra-agent']) ? metadata['infra-agent'].suppress : undefined;
  const nag = isRecord(metadata.cfn_nag) ? metadata.cfn_nag.rules_to_suppress : undefined;
  const out: TemplateSuppression[] = [];
  const entries: unknown[] = [
    ...(Array.isArray(own) ? (own as unknown[]) : []),
    ...(Array.isArray(nag) ? (nag as unknown[]) : []),
  ];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    const rule = typeof entry.rule === 'string' ? entry.rule : typeof entry.id === 'string' ? entry.id : undefined;
    if (!rule) continue;
    const named = resource ?? (typeof entry.resource === 'string' ? entry.resource : undefined);
    const reason = typeof entry.reason === 'string' && entry.reason.trim() !== '' ? entry.reason.trim() : undefined;
    out.push({ rule, ...(named ? { resource: named } : {}), ...(reason ? { reason } : {}) });
  }
  return out;
}

const matches = (rule: string, f: ValidationFinding): boolean =>
  rule === f.rule || problemOf(rule) === problemOf(f.rule);

/**
 * Applies suppressions. One with a reason removes the findings it names (kept in `suppressed`, for the audit
 * trail); one without a reason is refused: the finding stays and a `SuppressionWithoutReason` error says why.
 */
export function applySuppressions(
  findings: readonly ValidationFinding[],
  inTemplates: ReadonlyMap<string, readonly TemplateSuppression[]>,
  inConfig: readonly SuppressionRule[],
): { findings: ValidationFinding[]; suppressed: SuppressedFinding[] } {
  const kept: ValidationFinding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const own = (inTemplates.get(f.file) ?? []).filter(
      (s) => matches(s.rule, f) && (s.resource === undefined || s.resource === f.resource),
    );
    const withReason = own.find((s) => s.reason !== undefined);
    if (withReason?.reason) {
      suppressed.push({ finding: f, reason: withReason.reason, by: 'template' });
      continue;
    }
    const configured = inConfig.find(
      (s) =>
        matches(s.rule, f) &&
        (s.resource === undefined || s.resource === f.resource) &&
        (s.file === undefined || f.file.endsWith(s.file)),
    );
    if (configured) {
      suppressed.push({ finding: f, reason: configured.reason, by: 'config' });
      continue;
    }
    kept.push(f);
  }
  for (const [file, list] of inTemplates) {
    for (const s of list.filter((x) => x.reason === undefined)) {
      kept.push({
        source: 'policy',
        file,
        ...(s.resource ? { resource: s.resource } : {}),
        rule: 'SuppressionWithoutReason',
        message:
          `the suppression of ${s.rule}${s.resource ? ` on ${s.resource}` : ''} has no reason, so it is refused ` +
          'and the finding stays: add `reason:` saying why the rule does not apply (it is recorded in the audit trail)',
        severity: 'error',
      });
    }
  }
  return { findings: kept, suppressed };
}

/** Resource types named in guard rules (`Type == 'AWS::S3::Bucket'`, `/^AWS::IAM::/`, `%types` lists). */
export function coveredTypes(ruleSources: readonly string[]): { exact: Set<string>; prefixes: string[] } {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const source of ruleSources) {
    for (const m of source.matchAll(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g)) exact.add(m[0]);
    for (const m of source.matchAll(/\/\^?(AWS::[A-Za-z0-9]+::)[^/]*\//g)) if (m[1]) prefixes.push(m[1]);
  }
  return { exact, prefixes };
}

/** Resources whose type no guard rule names: "not checked". Custom resources and nested stacks excepted. */
export function uncheckedResources(
  file: string,
  template: CfnTemplate,
  covered: { exact: ReadonlySet<string>; prefixes: readonly string[] },
): UncheckedResource[] {
  const out: UncheckedResource[] = [];
  for (const [resource, body] of Object.entries(template.Resources)) {
    const type = typeof body?.Type === 'string' ? body.Type : '';
    if (type === '' || type === 'AWS::CloudFormation::Stack' || /^Custom::|::CustomResource$/.test(type)) continue;
    if (covered.exact.has(type) || covered.prefixes.some((p) => type.startsWith(p))) continue;
    out.push({ file, resource, type });
  }
  return out;
}

/** The template-level organisation check: the parameter carrying the deployed commit. */
export function iacVersionFinding(
  file: string,
  template: CfnTemplate,
  parameter: string | null,
): ValidationFinding | undefined {
  if (!parameter || isRecord(template.Parameters?.[parameter])) return undefined;
  return {
    source: 'policy',
    file,
    control: 'CM-3',
    rule: 'IaCVersionParameter',
    message:
      `the template has no ${parameter} parameter: add \`${parameter}: { Type: String }\` (the deployed git commit, ` +
      'no default) so each resource can name the commit that last changed it',
    severity: 'error',
    category: 'organisation',
  };
}

/** `{ IsPrd: true, HasLogs: false }` -> `IsPrd is true and HasLogs is false`. */
export function describeBranch(
  holding: ReadonlyArray<Readonly<Record<string, boolean>>>,
  all: ReadonlyArray<Readonly<Record<string, boolean>>>,
): string {
  const names = [...new Set(all.flatMap((s) => Object.keys(s)))].sort();
  // The conditions with one value wherever the finding holds, and another somewhere it does not.
  const fixed = names.filter((n) => {
    const values = new Set(holding.map((s) => s[n]));
    return values.size === 1 && all.some((s) => s[n] !== holding[0]?.[n]);
  });
  if (fixed.length === 0) return `${holding.length} of ${all.length} condition branches`;
  return fixed.map((n) => `${n} is ${String(holding[0]?.[n])}`).join(' and ');
}
