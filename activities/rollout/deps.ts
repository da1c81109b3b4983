import { Context } from '@temporalio/activity';
import type { CredentialBroker } from '../../adapters/aws/assume-role';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { KubeTarget } from '../../adapters/k8s/target';
import { checkKubeTarget } from '../../adapters/k8s/target';
import type { ClusterConfig } from '../../core/environments';
import { InvalidInput } from '../../core/errors';
import type { ServiceTarget } from '../../core/rollout/types';

/** What the rollout activities need from the outside world (built by worker/compose.ts). */
export interface RolloutDeps {
  readonly run: RunCommand;
  /** Config `tools.kubectl`. */
  readonly kubectlBin: string;
  /** Kubeconfig for environments whose cluster names none (KUBECONFIG or ~/.kube/config). */
  readonly kubeconfig: string;
  readonly environments: Readonly<Record<string, { readonly region: string; readonly cluster?: ClusterConfig }>>;
  /** AWS clients (ELBv2 and CloudWatch for ALB traffic and metric analysis). */
  readonly aws: AwsClientFactory;
  /** Assumes the deploy role as the approver for granted (approved) AWS changes. */
  readonly broker?: CredentialBroker;
  /** HTTP for the probe provider; default global fetch. */
  readonly fetch?: typeof fetch;
  /** Clock; default Date.now. */
  readonly now?: () => number;
}

/** The environment's cluster, or InvalidInput naming the setting to add. */
export function clusterOf(deps: RolloutDeps, environment: string): ClusterConfig {
  const env = deps.environments[environment];
  if (!env) throw new InvalidInput(`environment: '${environment}' is unknown`);
  if (!env.cluster) {
    throw new InvalidInput(
      `environment: '${environment}' has no cluster; add environments.${environment}.cluster (name, kubeContext) to the config`,
    );
  }
  return env.cluster;
}

/** The environment's kubeconfig and context, checked (no exec credential plugins) before any kubectl call. */
export async function kubeTargetOf(deps: RolloutDeps, t: ServiceTarget): Promise<KubeTarget> {
  const cluster = clusterOf(deps, t.environment);
  const target = { kubeconfig: cluster.kubeconfig ?? deps.kubeconfig, context: cluster.kubeContext };
  await checkKubeTarget(target);
  return target;
}

/** The environment's AWS region. */
export function regionOf(deps: RolloutDeps, environment: string): string {
  const env = deps.environments[environment];
  if (!env) throw new InvalidInput(`environment: '${environment}' is unknown`);
  return env.region;
}

/** The activity's cancellation signal (kills a child process on cancel); none outside an activity. */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Heartbeats when inside an activity; a no-op in plain tests. */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity */
  }
}
