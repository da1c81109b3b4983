import { ApplicationFailure, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  DriftAttribution,
  DriftIgnoreRule,
  EnvironmentDriftReport,
  StackDriftReport,
  UncheckedStack,
} from '../core/drift/report';
import { buildStackDriftReport, environmentDriftSummary } from '../core/drift/report';
import type { KubernetesDriftReport } from '../core/drift/kubernetes';
import type { EnvironmentName } from '../core/environments';
import { driftActivity, notifyActivity } from './activity-options';
import type { KubernetesDriftTarget } from './drift-k8s';
import { checkKubernetesDrift, uncheckedKubernetes } from './drift-k8s';

const { detectStackDrift } = proxyActivities<Activities>(driftActivity);
const { raiseDriftAlert } = proxyActivities<Activities>(notifyActivity);

/**
 * patched() id: runs started from here on raise the on-call alert of what a manual `drift {stack} {env}` found (the
 * same alert, deduplicated by drift id, as the scheduled check); runs started before replay without it.
 */
export const MANUAL_DRIFT_ALERTS_PATCH = 'manual-drift-alerts';

/**
 * patched() id: `drift all` (and so the scheduled check) also checks the environment's rollout services and Helm
 * releases given in `kubernetes`; runs started before it replay checking stacks only.
 */
export const KUBERNETES_DRIFT_PATCH = 'kubernetes-drift-in-drift-all';

/** One stack to check: catalog name and CloudFormation name. */
export interface DriftTarget {
  readonly stack: string;
  readonly stackName: string;
}

/** Input of the drift workflows: everything from config is recorded here, so a replay sees the same rules. */
export interface DriftCheckInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly ignore: readonly DriftIgnoreRule[];
  readonly pollMs: number;
  /** Raise alerts (core/alerts) for what is found, into this environment's alerts channel (absent: none). */
  readonly alerts?: { readonly channel?: string };
}

// The product does not read CloudTrail (yet): every report says so instead of leaving the question open.
export const NO_ATTRIBUTION: DriftAttribution = {
  available: false,
  reason: 'who made the change is not known: infra-agent does not read CloudTrail yet (look up the physical id there)',
};

/** Read-only: one stack's drift report (CloudFormation's drift API, then the configured ignore list). */
export async function stackDriftWorkflow(input: DriftCheckInput & DriftTarget): Promise<StackDriftReport> {
  const raw = await detectStackDrift({
    region: input.region,
    stackName: input.stackName,
    stack: input.stack,
    environment: input.environment,
    pollMs: input.pollMs,
  });
  const report = buildStackDriftReport(
    raw,
    { environment: input.environment, stack: input.stack },
    input.ignore,
    NO_ATTRIBUTION,
  );
  if (input.alerts && patched(MANUAL_DRIFT_ALERTS_PATCH)) {
    try {
      await raiseDriftAlert({ report, ...(input.alerts.channel ? { channel: input.alerts.channel } : {}) });
    } catch (e) {
      // The report is the answer the person asked for; an alert that could not be sent is raised by the next check.
      if (isCancellation(e)) throw e;
    }
  }
  return report;
}

/** Input of `drift all`: the stacks to check (busy ones were set aside by the gateway) and how many at once. */
export interface EnvironmentDriftInput extends DriftCheckInput {
  readonly stacks: readonly DriftTarget[];
  readonly concurrency: number;
  /** Stacks not checked for a reason known before starting (an operation holds them). */
  readonly unchecked: readonly UncheckedStack[];
  /** Rollout services and Helm releases to check too (absent in inputs recorded before Kubernetes drift). */
  readonly kubernetes?: readonly KubernetesDriftTarget[];
}

/**
 * Read-only: every given stack's drift, at most `concurrency` detections at a time (CloudFormation limits
 * concurrent detections per account). A stack that cannot be checked (never deployed, deleted, a change
 * running, an error) is listed with the reason; the others are still checked.
 */
export async function environmentDriftWorkflow(input: EnvironmentDriftInput): Promise<EnvironmentDriftReport> {
  const reports: StackDriftReport[] = [];
  const unchecked: UncheckedStack[] = [...input.unchecked];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < input.stacks.length) {
      const target = input.stacks[next++];
      if (!target) return;
      try {
        const raw = await detectStackDrift({
          region: input.region,
          stackName: target.stackName,
          stack: target.stack,
          environment: input.environment,
          pollMs: input.pollMs,
        });
        reports.push(
          buildStackDriftReport(
            raw,
            { environment: input.environment, stack: target.stack },
            input.ignore,
            NO_ATTRIBUTION,
          ),
        );
      } catch (e) {
        if (isCancellation(e)) throw e;
        unchecked.push({ ...target, ...whyUnchecked(e) });
      }
    }
  };
  const kubernetes: KubernetesDriftReport[] = [];
  const k8sTargets = input.kubernetes ?? [];
  let nextK8s = 0;
  const k8sLane = async (): Promise<void> => {
    while (nextK8s < k8sTargets.length) {
      const target = k8sTargets[nextK8s++];
      if (!target) return;
      try {
        kubernetes.push(await checkKubernetesDrift(input.environment, target));
      } catch (e) {
        if (isCancellation(e)) throw e;
        kubernetes.push(uncheckedKubernetes(input.environment, target, e, new Date().toISOString()));
      }
    }
  };
  const withKubernetes = k8sTargets.length > 0 && patched(KUBERNETES_DRIFT_PATCH);
  await Promise.all([
    ...Array.from({ length: Math.max(1, Math.min(input.concurrency, input.stacks.length)) }, lane),
    ...(withKubernetes
      ? Array.from({ length: Math.max(1, Math.min(input.concurrency, k8sTargets.length)) }, k8sLane)
      : []),
  ]);
  const subjectOf = (t: KubernetesDriftTarget): string => `${t.kind}-${t.kind === 'service' ? t.service : t.release}`;
  const k8sOrder = (r: KubernetesDriftReport): number =>
    k8sTargets.findIndex((t) => subjectOf(t) === `${r.kind}-${r.subject}`);
  kubernetes.sort((a, b) => k8sOrder(a) - k8sOrder(b));
  const order = (s: { stack: string }): number => input.stacks.findIndex((t) => t.stack === s.stack);
  reports.sort((a, b) => order(a) - order(b));
  unchecked.sort((a, b) => order(a) - order(b));
  const checkedAt = reports.map((r) => r.checkedAt).sort()[reports.length - 1] ?? new Date().toISOString();
  return {
    kind: 'environment',
    environment: input.environment,
    checkedAt,
    stacks: reports,
    unchecked,
    ...(withKubernetes ? { kubernetes } : {}),
    summary: environmentDriftSummary(input.environment, reports, unchecked, kubernetes),
  };
}

function whyUnchecked(e: unknown): Pick<UncheckedStack, 'reason' | 'kind'> {
  let root: unknown = e;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const type = root instanceof ApplicationFailure ? root.type : undefined;
  const message = root instanceof Error ? root.message : String(root);
  if (type === 'OperationConflict') return { kind: 'busy', reason: message };
  if (type === 'InvalidInput') return { kind: 'absent', reason: message };
  return { kind: 'failed', reason: message };
}
