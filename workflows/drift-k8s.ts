import { ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KubernetesDriftReport } from '../core/drift/kubernetes';
import { buildReleaseDriftReport, buildServiceDriftReport } from '../core/drift/kubernetes';
import type { EnvironmentName } from '../core/environments';
import type { HelmReadRequest } from '../core/k8s/request';
import type { ServiceTarget, TrafficSpec } from '../core/rollout/types';
import { kubernetesDriftActivity, notifyActivity } from './activity-options';

const { readServiceState, readReleaseDrift } = proxyActivities<Activities>(kubernetesDriftActivity);
const { raiseDriftAlert } = proxyActivities<Activities>(notifyActivity);

/** What one Kubernetes drift check compares: a rollout service's colours, or a catalog Helm release. */
export type KubernetesDriftTarget =
  | {
      readonly kind: 'service';
      readonly service: string;
      readonly target: ServiceTarget;
      readonly traffic: TrafficSpec;
    }
  | {
      readonly kind: 'release';
      readonly release: string;
      readonly request: Extract<HelmReadRequest, { kind: 'helm-diff' }>;
    };

/** Input of `drift service` / `drift release`: the target resolved from config, recorded for replay. */
export interface KubernetesDriftInput {
  readonly environment: EnvironmentName;
  readonly check: KubernetesDriftTarget;
  /** Raise the on-call alert of what is found (absent: none), like `drift {stack}`. */
  readonly alerts?: { readonly channel?: string };
}

/** Reads the cluster (one activity) and builds the report. Throws what the read threw. */
export async function checkKubernetesDrift(
  environment: EnvironmentName,
  check: KubernetesDriftTarget,
): Promise<KubernetesDriftReport> {
  if (check.kind === 'service') {
    const state = await readServiceState({ target: check.target, traffic: check.traffic });
    return buildServiceDriftReport(environment, state);
  }
  const state = await readReleaseDrift({ environment, request: check.request });
  return buildReleaseDriftReport(environment, state);
}

/** A check that could not run, as a NOT_CHECKED report naming why (so `drift all` lists it and goes on). */
export function uncheckedKubernetes(
  environment: EnvironmentName,
  check: KubernetesDriftTarget,
  e: unknown,
  checkedAt: string,
): KubernetesDriftReport {
  let root: unknown = e;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const why = root instanceof ApplicationFailure || root instanceof Error ? root.message : String(root);
  const subject = check.kind === 'service' ? check.service : check.release;
  const namespace = check.kind === 'service' ? check.target.namespace : check.request.namespace;
  return {
    kind: check.kind,
    environment,
    subject,
    namespace,
    checkedAt,
    status: 'NOT_CHECKED',
    resources: [],
    reason: `the check failed: ${why}`,
    expectedFrom: '',
    objectsChecked: 0,
    attribution: { available: false, reason: 'not checked' },
    fingerprint: 'in-sync',
    summary: `${check.kind} ${subject} in ${environment}: NOT CHECKED — the check failed: ${why}`,
  };
}

/**
 * Read-only: `drift service {service} {env}` or `drift release {release} {env}`. A drift found raises the
 * environment's on-call alert (`drift/<env>/service-<name>`), deduplicated by its drift id like a stack's; a report
 * that could not compare anything (never rolled out, not installed) raises nothing.
 */
export async function kubernetesDriftWorkflow(input: KubernetesDriftInput): Promise<KubernetesDriftReport> {
  const report = await checkKubernetesDrift(input.environment, input.check);
  if (input.alerts && report.status !== 'NOT_CHECKED') {
    try {
      await raiseDriftAlert({ report, ...(input.alerts.channel ? { channel: input.alerts.channel } : {}) });
    } catch (e) {
      // The report is the answer the person asked for; an alert that could not be sent is raised by the next check.
      if (isCancellation(e)) throw e;
    }
  }
  return report;
}
