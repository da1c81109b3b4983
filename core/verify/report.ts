import type { EnvironmentName } from '../environments';
import { stableHash } from '../drift/report';

/**
 * Verification: after a deploy or a rollout (and on demand, `verify …`), checks that the result is what was asked
 * for — a stack settled, its resources and outputs there; a service's live colour Ready on the applied image. Pure
 * (workflow-safe): activities read AWS and the cluster, these judge what they read.
 */

/** One check of a verification: what was checked, whether it held, and in words what was found. */
export interface VerifyCheck {
  /** `stack status`, `resource AppSecurityGroup (AWS::EC2::SecurityGroup)`, `output GroupId`, `pods Ready`, … */
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** A verification's answer, for people (the renderers), for the operation's thread, and for the on-call alert. */
export interface VerifyReport {
  readonly kind: 'stack' | 'service';
  readonly environment: EnvironmentName;
  /** The catalog name of the stack or service. */
  readonly subject: string;
  /** Where it was looked for: the stack's name, or the service's namespace. */
  readonly target: string;
  readonly checkedAt: string;
  /** NOT_DEPLOYED: nothing to verify (a stack never deployed, a service never rolled out). */
  readonly status: 'PASSED' | 'FAILED' | 'NOT_DEPLOYED';
  readonly checks: readonly VerifyCheck[];
  /** NOT_DEPLOYED: why, naming the stack or service and the environment. */
  readonly reason?: string;
  /** What was not checked and why (e.g. no HTTP probe configured). */
  readonly notes: readonly string[];
  /** The failed checks' identity (absent when passed): the alert raises once per fingerprint. */
  readonly fingerprint?: string;
  readonly summary: string;
}

/** A report from its checks: FAILED when any failed, with a fingerprint of what failed. */
export function verifyReport(
  base: Pick<VerifyReport, 'kind' | 'environment' | 'subject' | 'target' | 'checkedAt'>,
  checks: readonly VerifyCheck[],
  notes: readonly string[] = [],
): VerifyReport {
  const failed = checks.filter((c) => !c.passed);
  const what = `${base.kind} ${base.subject} in ${base.environment}`;
  return {
    ...base,
    status: failed.length ? 'FAILED' : 'PASSED',
    checks,
    notes,
    ...(failed.length
      ? { fingerprint: stableHash([base.target, ...failed.map((c) => `${c.name}: ${c.detail}`).sort()].join('\n')) }
      : {}),
    summary: failed.length
      ? `${what}: FAILED — ${failed.length} of ${checks.length} checks failed (${failed.map((c) => c.name).join(', ')})`
      : `${what}: PASSED — ${checks.length} checks passed`,
  };
}

/** Nothing deployed to verify: the answer names what and where. */
export function notDeployed(
  base: Pick<VerifyReport, 'kind' | 'environment' | 'subject' | 'target' | 'checkedAt'>,
  reason: string,
): VerifyReport {
  return {
    ...base,
    status: 'NOT_DEPLOYED',
    checks: [],
    notes: [],
    reason,
    summary: `${base.kind} ${base.subject} in ${base.environment}: NOT DEPLOYED — ${reason}`,
  };
}

/** The alert subject of a verification (`verify/dev/vpc`, `verify/dev/service-payments-api`): apart from stacks. */
export const verifySubject = (r: Pick<VerifyReport, 'kind' | 'subject'>): string =>
  r.kind === 'stack' ? r.subject : `service-${r.subject}`;
