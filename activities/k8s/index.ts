import { ToolMissing } from '../../core/errors';
import type { HelmReadRequest, HelmRollbackRequest, KubectlReadRequest } from '../../core/k8s/request';
import type { HelmReadResult, HelmRollbackDiff, HelmWriteResult, K8sReadResult } from '../../core/k8s/results';
import type { K8sActivityInput, K8sDeps } from './deps';
import type { HelmWriteInput } from './helm-write';
import { helmRollbackDiff } from './helm-rollback-diff';
import { helmWrite } from './helm-write';
import { helmRead, k8sRead } from './read';
import { readReleaseDrift } from './release-drift';
import type { ReleaseLiveState } from '../../core/drift/kubernetes';
import type { ServiceVulnsReport } from '../../core/security/cluster-reports';
import type { ServiceVulnsActivityInput } from './trivy-reports';
import { readServiceVulns } from './trivy-reports';

export type { K8sActivityInput, K8sDeps } from './deps';
export type { HelmWriteInput } from './helm-write';
export type { ServiceVulnsActivityInput } from './trivy-reports';

/** The Kubernetes agent's activities. Reads run at once; `helmWrite` is for changes that were approved. */
export interface K8sActivities {
  k8sRead(input: K8sActivityInput<KubectlReadRequest>): Promise<K8sReadResult>;
  helmRead(input: K8sActivityInput<HelmReadRequest>): Promise<HelmReadResult>;
  helmWrite(input: HelmWriteInput): Promise<HelmWriteResult>;
  /** The field-level diff a rollback would make (read only): shown on the rollback's approval card. */
  helmRollbackDiff(input: K8sActivityInput<HelmRollbackRequest>): Promise<HelmRollbackDiff>;
  /** `drift release`: the installed release vs the catalog's rendering (read only). */
  readReleaseDrift(input: K8sActivityInput<Extract<HelmReadRequest, { kind: 'helm-diff' }>>): Promise<ReleaseLiveState>;
  /** `vulns`: Trivy Operator's reports for a service's live workloads (read only). */
  readServiceVulns(input: ServiceVulnsActivityInput): Promise<ServiceVulnsReport>;
}

/**
 * Builds the activities. Without deps (no cluster configured for this worker) each one fails with a message that
 * says what to configure, instead of the worker refusing to start.
 */
export function createK8sActivities(deps: K8sDeps | undefined): K8sActivities {
  const need = (): K8sDeps => {
    if (!deps) throw new ToolMissing('the Kubernetes agent is not configured on this worker: set a kubeconfig for it');
    return deps;
  };
  return {
    k8sRead: (input) => k8sRead(need(), input),
    helmRead: (input) => helmRead(need(), input),
    helmWrite: (input) => helmWrite(need(), input),
    helmRollbackDiff: (input) => helmRollbackDiff(need(), input),
    readReleaseDrift: (input) => readReleaseDrift(need(), input),
    readServiceVulns: (input) => readServiceVulns(need(), input),
  };
}
