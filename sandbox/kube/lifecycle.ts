import { up } from '../manager';
import type { SandboxSettings } from '../settings';
import { installCrds } from './crds';
import { createSimulatedNodes, waitNodesReady } from './nodes';
import { prepareKube } from './prepare';
import type { PreparedKube } from './prepare';
import { kubeServicesInOrder } from './specs';
import type { KubeSettings } from './settings';

export interface UpKubeOptions {
  /** Simulated nodes to create (default 3). */
  readonly nodes?: number;
}

/**
 * Everything `sandbox up` needs for Kubernetes, in order: certificates and kubeconfigs, the five processes
 * (through the manager's `up`, so pid files, logs and health checks are shared), the product's CRDs and
 * Ready simulated nodes. Idempotent: a running control plane is left alone; CRDs and nodes are re-applied.
 */
export async function upKube(
  sandbox: SandboxSettings,
  kube: KubeSettings,
  log: (line: string) => void,
  options: UpKubeOptions = {},
): Promise<PreparedKube> {
  const t0 = Date.now();
  const prepared = await prepareKube(kube);
  await up(sandbox, kubeServicesInOrder(kube), log);
  const crds = await installCrds(kube);
  const count = options.nodes ?? 3;
  await createSimulatedNodes(kube, count);
  await waitNodesReady(kube, count);
  log(
    `[sandbox] kube     ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${crds.length} CRDs, ${count} kwok nodes; ` +
      `kubeconfig ${kube.kubeconfig} (context ${kube.contextName})`,
  );
  return prepared;
}
