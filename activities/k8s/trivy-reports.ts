import { readTrivyReports } from '../../adapters/k8s/trivy-reports';
import { checkKubeTarget } from '../../adapters/k8s/target';
import type { ServiceVulnsReport } from '../../core/security/cluster-reports';
import { serviceVulns } from '../../core/security/cluster-reports';
import type { K8sDeps } from './deps';
import { cancellationSignal, kubeTargetOf } from './deps';

/** `vulns {service} {env}`: the service and its namespace in the environment's cluster (resolved by the gateway). */
export interface ServiceVulnsActivityInput {
  readonly environment: string;
  readonly service: string;
  readonly namespace: string;
}

/**
 * Trivy Operator's reports for a service's live workloads (a read): per Deployment and container the report for the
 * image it runs now, the stale ones, and the config audit. A cluster without the operator's CRDs is an answer
 * (`operator: 'not-installed'`), not an error.
 */
export async function readServiceVulns(deps: K8sDeps, input: ServiceVulnsActivityInput): Promise<ServiceVulnsReport> {
  const target = kubeTargetOf(deps, input.environment);
  await checkKubeTarget(target);
  const read = await readTrivyReports(target, input.namespace, input.service, cancellationSignal());
  const base = {
    environment: input.environment,
    service: input.service,
    namespace: input.namespace,
    cluster: target.context,
    checkedAt: new Date((deps.now ?? Date.now)()).toISOString(),
  };
  if (!read.installed) return { ...base, operator: 'not-installed', workloads: [], stale: [] };
  return serviceVulns({ ...base, ...read });
}
