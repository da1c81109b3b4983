import type { RolloutKind } from './request';

/** The fields of a Deployment, StatefulSet or DaemonSet that the rollout status reads (as the API returns them). */
export interface WorkloadView {
  readonly metadata?: { readonly name?: string; readonly generation?: number };
  readonly spec?: {
    readonly replicas?: number;
    /** StatefulSets and DaemonSets. */
    readonly updateStrategy?: { readonly type?: string; readonly rollingUpdate?: { readonly partition?: number } };
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly currentReplicas?: number;
    readonly updateRevision?: string;
    readonly currentRevision?: string;
    readonly conditions?: readonly { readonly type?: string; readonly reason?: string }[];
    /** DaemonSets. */
    readonly desiredNumberScheduled?: number;
    readonly updatedNumberScheduled?: number;
    readonly numberAvailable?: number;
  };
}

/** Where a rollout stands. `failed`: it will not finish by itself (progress deadline exceeded, wrong strategy). */
export interface RolloutState {
  readonly done: boolean;
  readonly failed: boolean;
  readonly message: string;
}

const waiting = (message: string): RolloutState => ({ done: false, failed: false, message });
const finished = (message: string): RolloutState => ({ done: true, failed: false, message });
const failed = (message: string): RolloutState => ({ done: false, failed: true, message });

/**
 * The rollout status of one workload, computed as `kubectl rollout status` does (kubectl's
 * polymorphichelpers/rollout_status.go) and worded the same, so people read what they know.
 */
export function rolloutState(kind: RolloutKind, w: WorkloadView): RolloutState {
  switch (kind) {
    case 'deployment':
      return deploymentState(w);
    case 'statefulset':
      return statefulSetState(w);
    case 'daemonset':
      return daemonSetState(w);
  }
}

function deploymentState(d: WorkloadView): RolloutState {
  const name = d.metadata?.name ?? '';
  const s = d.status ?? {};
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return waiting('Waiting for deployment spec update to be observed...');
  }
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return failed(`deployment "${name}" exceeded its progress deadline`);
  }
  const updated = s.updatedReplicas ?? 0;
  const wanted = d.spec?.replicas;
  if (wanted !== undefined && updated < wanted) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`,
    );
  }
  if ((s.replicas ?? 0) > updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`,
    );
  }
  if ((s.availableReplicas ?? 0) < updated) {
    return waiting(
      `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
    );
  }
  return finished(`deployment "${name}" successfully rolled out`);
}

function statefulSetState(t: WorkloadView): RolloutState {
  const strategy = t.spec?.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return failed('rollout status is only available for RollingUpdate strategy type');
  }
  const s = t.status ?? {};
  if (!s.observedGeneration || (t.metadata?.generation ?? 0) > s.observedGeneration) {
    return waiting('Waiting for statefulset spec update to be observed...');
  }
  const wanted = t.spec?.replicas;
  if (wanted !== undefined && (s.readyReplicas ?? 0) < wanted) {
    return waiting(`Waiting for ${wanted - (s.readyReplicas ?? 0)} pods to be ready...`);
  }
  const updated = s.updatedReplicas ?? 0;
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (wanted !== undefined && partition !== undefined && updated < wanted - partition) {
      return waiting(
        `Waiting for partitioned roll out to finish: ${updated} out of ${wanted - partition} new pods have been updated...`,
      );
    }
    return finished(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (s.updateRevision !== s.currentRevision) {
    return waiting(
      `waiting for statefulset rolling update to complete ${updated} pods at revision ${s.updateRevision ?? ''}...`,
    );
  }
  return finished(
    `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision ?? ''}...`,
  );
}

function daemonSetState(ds: WorkloadView): RolloutState {
  const name = ds.metadata?.name ?? '';
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    return failed('rollout status is only available for RollingUpdate strategy type');
  }
  const s = ds.status ?? {};
  if ((ds.metadata?.generation ?? 0) > (s.observedGeneration ?? 0)) {
    return waiting('Waiting for daemon set spec update to be observed...');
  }
  const desired = s.desiredNumberScheduled ?? 0;
  if ((s.updatedNumberScheduled ?? 0) < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${s.updatedNumberScheduled ?? 0} out of ${desired} new pods have been updated...`,
    );
  }
  if ((s.numberAvailable ?? 0) < desired) {
    return waiting(
      `Waiting for daemon set "${name}" rollout to finish: ${s.numberAvailable ?? 0} of ${desired} updated pods are available...`,
    );
  }
  return finished(`daemon set "${name}" successfully rolled out`);
}
