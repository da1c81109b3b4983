import { Context } from '@temporalio/activity';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { KubeTarget } from '../../adapters/k8s/target';
import { checkKubeTarget } from '../../adapters/k8s/target';
import { InvalidInput } from '../../core/errors';
import type { OwnerEntry } from '../../core/k8s/ownership';
import type { K8sRequest } from '../../core/k8s/request';
import type { ValidatedK8sRequest } from '../../core/k8s/validate';
import { validateK8sRequest } from '../../core/k8s/validate';

/** What the Kubernetes agent needs from the outside world. */
export interface K8sDeps {
  readonly run: RunCommand;
  /** Config `tools.kubectl`. */
  readonly kubectlBin: string;
  /** Config `tools.helm`. */
  readonly helmBin: string;
  /** The worker's kubeconfig; each environment picks its context in it. */
  readonly kubeconfig: string;
  /** Per environment, the kube context (config `environments.<env>.cluster.kubeContext`). */
  readonly environments: Readonly<
    Record<string, { readonly cluster?: { readonly kubeContext: string; readonly kubeconfig?: string } }>
  >;
  /** Local charts (`./path`) resolve under this folder and may not leave it (the repository root). */
  readonly chartRoot: string;
  /**
   * The objects blue/green rollouts own in an environment: each catalog service with its namespace there. A Helm
   * preview whose chart renders one of them is refused (core/k8s/ownership.ts). Absent: no rollout catalog.
   */
  readonly rolloutServices?: (environment: string) => readonly OwnerEntry[];
  /** Clock for ages in tables; default Date.now. */
  readonly now?: () => number;
}

/** A request for one environment's cluster. */
export interface K8sActivityInput<R extends K8sRequest = K8sRequest> {
  readonly environment: string;
  readonly request: R;
}

/** The environment's target and the checked request, or InvalidInput/PermissionDenied saying why not. */
export async function prepare(
  deps: K8sDeps,
  input: K8sActivityInput,
): Promise<{ target: KubeTarget } & ValidatedK8sRequest> {
  const target = kubeTargetOf(deps, input.environment);
  const validated = validateK8sRequest(input.request, target.context);
  await checkKubeTarget(target);
  return { target, ...validated };
}

/** The environment's kubeconfig and context, or InvalidInput when the environment is unknown or has no cluster. */
export function kubeTargetOf(deps: K8sDeps, environment: string): KubeTarget {
  const env = deps.environments[environment];
  if (!env) {
    throw new InvalidInput(
      `environment: '${environment}' is unknown; use one of ${Object.keys(deps.environments).join(', ')}`,
    );
  }
  if (!env.cluster) {
    throw new InvalidInput(
      `environment: '${environment}' has no cluster; add environments.${environment}.cluster.kubeContext to the config`,
    );
  }
  return { kubeconfig: env.cluster.kubeconfig ?? deps.kubeconfig, context: env.cluster.kubeContext };
}

/** The activity's cancellation signal, so a cancelled activity kills its child process; none outside an activity. */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
