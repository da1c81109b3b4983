import type { EnvironmentName } from '../environments';
import type { KubernetesDriftReport } from './kubernetes';

/**
 * Drift reports: what a stack looks like live compared with its template as deployed, in the product's terms.
 * Pure (workflow-safe): the raw answer of CloudFormation's drift API comes in from an activity, the ignore rules
 * from the config (recorded in the workflow's input), and the report comes out — with a fingerprint that stays the
 * same while the drift stays the same (for de-duplicating alerts) and one summary line.
 */

/** CloudFormation's difference types: an item added to a list, a property/item removed, a value changed. */
export type DifferenceType = 'ADD' | 'REMOVE' | 'NOT_EQUAL';

/** A resource's drift status as CloudFormation reports it. */
export type ResourceDriftStatus = 'IN_SYNC' | 'MODIFIED' | 'DELETED' | 'NOT_CHECKED';

/** One property that differs: its JSON-pointer path (`/SecurityGroupIngress/1/CidrIp`), expected → actual. */
export interface PropertyDifference {
  readonly path: string;
  readonly type: DifferenceType;
  /** The template's value (as deployed), a string as CloudFormation gives it; `null` when the template has none. */
  readonly expected: string;
  /** The live value; `null` when it is gone. */
  readonly actual: string;
}

/** A difference the configured ignore list set aside, with the rule that did and why. */
export interface IgnoredDifference extends PropertyDifference {
  readonly rule: string;
  readonly reason: string;
}

/** One resource of a stack as drift detection saw it. */
export interface ResourceDrift {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly resourceType: string;
  /** After the ignore list: a resource whose only differences were ignored is IN_SYNC. */
  readonly status: ResourceDriftStatus;
  readonly differences: readonly PropertyDifference[];
  readonly ignored: readonly IgnoredDifference[];
  /** NOT_CHECKED: why (CloudFormation does not support the type, or the check could not read it). */
  readonly reason?: string;
}

/** What the drift activity returns: CloudFormation's answer, before any rule of ours is applied. JSON-safe. */
export interface RawStackDrift {
  readonly stackName: string;
  readonly stackId: string;
  /** DescribeStacks' status when the check started (drift is only checked on a settled stack). */
  readonly stackStatus: string;
  readonly detectionId: string;
  /** CloudFormation's own verdict: DRIFTED, IN_SYNC, NOT_CHECKED (or UNKNOWN). */
  readonly driftStatus: string;
  /** DETECTION_COMPLETE, or DETECTION_FAILED with `detectionReason` (some resources could not be checked). */
  readonly detectionStatus: string;
  readonly detectionReason?: string;
  readonly checkedAt: string;
  /** How long the detection took, start to last answer (absent in results recorded before it was measured). */
  readonly elapsedMs?: number;
  readonly resources: readonly {
    readonly logicalId: string;
    readonly physicalId?: string;
    readonly resourceType: string;
    readonly status: ResourceDriftStatus;
    readonly differences: readonly PropertyDifference[];
    readonly reason?: string;
  }[];
}

/**
 * One entry of the ignore list (config `drift.ignore`). A difference is ignored when every given field matches:
 * `resourceType` (exact, or a prefix ending in `*`, e.g. `AWS::EC2::*`), `path` (segments separated by `/`; `*`
 * matches one segment, a trailing `**` any rest), `type`, and `actualMatches` (a regular expression the live value
 * must match). `orderOnly: true` instead matches a NOT_EQUAL whose expected and actual are the same list in another
 * order. `reason` is shown next to every difference the rule sets aside.
 */
export interface DriftIgnoreRule {
  readonly name: string;
  readonly reason: string;
  readonly resourceType?: string;
  readonly path?: string;
  readonly type?: DifferenceType;
  readonly actualMatches?: string;
  readonly orderOnly?: boolean;
}

/** Who probably made a change, when CloudTrail can tell; otherwise why not. */
export type DriftAttribution =
  | { readonly available: true; readonly events: readonly { at: string; who: string; action: string }[] }
  | { readonly available: false; readonly reason: string };

/** A stack's drift as people read it. */
export interface StackDriftReport {
  readonly kind: 'stack';
  readonly environment: EnvironmentName;
  /** Catalog name (`vpc`) and CloudFormation name (`infra-agent-dev-vpc`). */
  readonly stack: string;
  readonly stackName: string;
  readonly checkedAt: string;
  /** How long CloudFormation's detection took, from the activity's view. */
  readonly elapsedMs?: number;
  /** After the ignore list: DRIFTED when any resource is MODIFIED or DELETED. */
  readonly status: 'IN_SYNC' | 'DRIFTED' | 'NOT_CHECKED';
  readonly resources: readonly ResourceDrift[];
  /** CloudFormation's own note on the detection (e.g. which resources it could not check). */
  readonly detectionReason?: string;
  readonly attribution: DriftAttribution;
  /** Same drift → same fingerprint (resources, statuses and differences; not times or ignored noise). */
  readonly fingerprint: string;
  /** One line: `vpc in dev: DRIFTED — 1 modified, 1 deleted (3 differences; 1 ignored); 2 not checked`. */
  readonly summary: string;
}

const segments = (p: string): string[] => p.split('/').filter((s) => s !== '');

function pathMatches(pattern: string, path: string): boolean {
  const want = segments(pattern);
  const got = segments(path);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    if (w === '**') return true;
    const g = got[i];
    if (g === undefined || (w !== '*' && w !== g)) return false;
  }
  return want.length === got.length;
}

function typeMatches(pattern: string, resourceType: string): boolean {
  return pattern.endsWith('*') ? resourceType.startsWith(pattern.slice(0, -1)) : pattern === resourceType;
}

/** Lists equal but for their order (CloudFormation reports them NOT_EQUAL). */
function sameItemsOtherOrder(expected: string, actual: string): boolean {
  try {
    const e: unknown = JSON.parse(expected);
    const a: unknown = JSON.parse(actual);
    if (!Array.isArray(e) || !Array.isArray(a) || e.length !== a.length) return false;
    const key = (v: unknown): string => JSON.stringify(v);
    return JSON.stringify(e.map(key).sort()) === JSON.stringify(a.map(key).sort());
  } catch {
    return false;
  }
}

/** The first rule that sets this difference aside, if any. */
export function ignoringRule(
  rules: readonly DriftIgnoreRule[],
  resourceType: string,
  d: PropertyDifference,
): DriftIgnoreRule | undefined {
  return rules.find((r) => {
    if (r.resourceType !== undefined && !typeMatches(r.resourceType, resourceType)) return false;
    if (r.path !== undefined && !pathMatches(r.path, d.path)) return false;
    if (r.type !== undefined && r.type !== d.type) return false;
    if (r.actualMatches !== undefined && !new RegExp(r.actualMatches).test(d.actual)) return false;
    if (r.orderOnly && !(d.type === 'NOT_EQUAL' && sameItemsOtherOrder(d.expected, d.actual))) return false;
    return true;
  });
}

/** Applies the ignore list to one resource: ignored differences move aside; nothing left means IN_SYNC. */
export function applyIgnoreRules(
  rules: readonly DriftIgnoreRule[],
  r: RawStackDrift['resources'][number],
): ResourceDrift {
  const kept: PropertyDifference[] = [];
  const ignored: IgnoredDifference[] = [];
  for (const d of r.differences) {
    const rule = ignoringRule(rules, r.resourceType, d);
    if (rule) ignored.push({ ...d, rule: rule.name, reason: rule.reason });
    else kept.push(d);
  }
  const status = r.status === 'MODIFIED' && kept.length === 0 && ignored.length > 0 ? 'IN_SYNC' : r.status;
  return {
    logicalId: r.logicalId,
    ...(r.physicalId ? { physicalId: r.physicalId } : {}),
    resourceType: r.resourceType,
    status,
    differences: kept,
    ignored,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

/**
 * A short stable hash (two 32-bit FNV-1a-style lanes, 16 hex digits). Not for security: it names a drift so the
 * same drift is recognised again. Pure, so workflows may use it (no Node crypto in core/).
 */
export function stableHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 = (h2 ^ (h2 >>> 13)) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** The drift's identity: drifted resources with their differences, sorted; ignored noise and times left out. */
export function driftFingerprint(target: string, resources: readonly ResourceDrift[]): string {
  const lines = resources
    .filter((r) => r.status === 'MODIFIED' || r.status === 'DELETED')
    .flatMap((r) =>
      r.status === 'DELETED'
        ? [`${r.resourceType} ${r.logicalId} DELETED`]
        : r.differences.map((d) => `${r.resourceType} ${r.logicalId} ${d.type} ${d.path} ${d.expected} ${d.actual}`),
    )
    .sort();
  return lines.length === 0 ? 'in-sync' : stableHash([target, ...lines].join('\n'));
}

const count = (n: number, word: string): string => `${n} ${word}`;

/** The one summary line of a stack report. */
export function stackDriftSummary(
  stack: string,
  env: EnvironmentName,
  status: StackDriftReport['status'],
  resources: readonly ResourceDrift[],
): string {
  const modified = resources.filter((r) => r.status === 'MODIFIED').length;
  const deleted = resources.filter((r) => r.status === 'DELETED').length;
  const notChecked = resources.filter((r) => r.status === 'NOT_CHECKED').length;
  const differences = resources.reduce((n, r) => n + r.differences.length, 0);
  const ignored = resources.reduce((n, r) => n + r.ignored.length, 0);
  const parts: string[] = [];
  if (modified) parts.push(count(modified, 'modified'));
  if (deleted) parts.push(count(deleted, 'deleted'));
  const detail = [
    differences ? count(differences, differences === 1 ? 'difference' : 'differences') : '',
    ignored ? count(ignored, 'ignored') : '',
  ].filter(Boolean);
  const head =
    status === 'DRIFTED'
      ? `DRIFTED — ${parts.join(', ')}${detail.length ? ` (${detail.join('; ')})` : ''}`
      : status === 'IN_SYNC'
        ? `in sync — ${count(resources.length - notChecked, 'resources')} checked${ignored ? ` (${count(ignored, 'ignored')})` : ''}`
        : 'NOT CHECKED';
  return `${stack} in ${env}: ${head}${notChecked ? `; ${count(notChecked, 'not checked')}` : ''}`;
}

/** Builds the report people read from CloudFormation's answer and the configured ignore list. */
export function buildStackDriftReport(
  raw: RawStackDrift,
  target: { readonly environment: EnvironmentName; readonly stack: string },
  rules: readonly DriftIgnoreRule[],
  attribution: DriftAttribution,
): StackDriftReport {
  const resources = raw.resources.map((r) => applyIgnoreRules(rules, r));
  const drifted = resources.some((r) => r.status === 'MODIFIED' || r.status === 'DELETED');
  const checked = resources.some((r) => r.status !== 'NOT_CHECKED');
  const status = drifted ? 'DRIFTED' : checked ? 'IN_SYNC' : 'NOT_CHECKED';
  return {
    kind: 'stack',
    environment: target.environment,
    stack: target.stack,
    stackName: raw.stackName,
    checkedAt: raw.checkedAt,
    ...(raw.elapsedMs !== undefined ? { elapsedMs: raw.elapsedMs } : {}),
    status,
    resources,
    ...(raw.detectionReason ? { detectionReason: raw.detectionReason } : {}),
    attribution,
    fingerprint: driftFingerprint(`stack/${target.environment}/${target.stack}`, resources),
    summary: stackDriftSummary(target.stack, target.environment, status, resources),
  };
}

/** A stack `drift all` could not check, and why (never deployed, deleted, a deploy running, an error). */
export interface UncheckedStack {
  readonly stack: string;
  readonly stackName: string;
  readonly reason: string;
  /** `busy`: an operation holds the stack; `absent`: nothing deployed; `failed`: the check itself failed. */
  readonly kind: 'busy' | 'absent' | 'failed';
}

/** `drift all {env}`: every catalog stack's report, or why it was not checked. */
export interface EnvironmentDriftReport {
  readonly kind: 'environment';
  readonly environment: EnvironmentName;
  readonly checkedAt: string;
  readonly stacks: readonly StackDriftReport[];
  readonly unchecked: readonly UncheckedStack[];
  /** Rollout services and Helm releases (absent in reports made before Kubernetes drift, or with none). */
  readonly kubernetes?: readonly KubernetesDriftReport[];
  readonly summary: string;
}

export function environmentDriftSummary(
  env: EnvironmentName,
  stacks: readonly StackDriftReport[],
  unchecked: readonly UncheckedStack[],
  kubernetes: readonly KubernetesDriftReport[] = [],
): string {
  const k8sName = (k: KubernetesDriftReport): string => `${k.kind} ${k.subject}`;
  const drifted = [
    ...stacks.filter((s) => s.status === 'DRIFTED').map((s) => s.stack),
    ...kubernetes.filter((k) => k.status === 'DRIFTED').map(k8sName),
  ];
  const inSync =
    stacks.filter((s) => s.status === 'IN_SYNC').length + kubernetes.filter((k) => k.status === 'IN_SYNC').length;
  const notChecked = [
    ...unchecked.map((u) => u.stack),
    ...kubernetes.filter((k) => k.status === 'NOT_CHECKED').map(k8sName),
  ];
  const parts = [
    drifted.length ? `${drifted.length} drifted (${drifted.join(', ')})` : '',
    `${inSync} in sync`,
    notChecked.length ? `${notChecked.length} not checked (${notChecked.join(', ')})` : '',
  ].filter(Boolean);
  return `${env}: ${parts.join(', ')}`;
}
