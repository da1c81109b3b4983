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
 * Everything `sandbox up` needs for Kubernetes, in order: certificates and kubeconfigs, the control
 * plane (through the manager's `up`, so pid files, logs and health checks are shared), the product's and kwok's
 * CRDs, kwok, and Ready simulated nodes. Idempotent: a running control plane is left alone; CRDs and nodes are re-applied.
 */
export async function upKube(
  sandbox: SandboxSettings,
  kube: KubeSettings,
  log: (line: string) => void,
  options: UpKubeOptions = {},
): Promise<PreparedKube> {
  const t0 = Date.now();
  const prepared = await prepareKube(kube);
  const services = kubeServicesInOrder(kube);
  // kwok last, once the CRDs exist: it watches its Logs objects from start-up (a missing CRD only delays that).
  await up(sandbox, services.slice(0, -1), log);
  const crds = await installCrds(kube);
  await up(sandbox, services.slice(-1), log);
  const count = options.nodes ?? 3;
  await createSimulatedNodes(kube, count);
  await waitNodesReady(kube, count);
  log(
    `[sandbox] kube     ready in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${crds.length} CRDs, ${count} kwok nodes; ` +
      `kubeconfig ${kube.kubeconfig} (context ${kube.contextName})`,
  );
  return prepared;
}
