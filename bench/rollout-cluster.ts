import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINT } from '../sandbox/kube/settings';
import {
  createSimulatedNodes,
  installCrds,
  kubeServices,
  kubeSettings,
  prepareKube,
  waitNodesReady,
} from '../sandbox/kube/services';
import { down, up } from '../sandbox/manager';
import { sandboxSettings } from '../sandbox/settings';
import type { PrivateCluster } from '../test/k8s/private-cluster';
import { privateKubeEnv } from '../test/support/kube-env';

/**
 * kwok renews no node Leases unless told a lease duration, so ~50 s after the nodes are created the node
 * lifecycle controller finds them silent, marks them NotReady and sets every pod on them Ready=False — and kwok
 * never makes a Running pod Ready again. A benchmark runs longer than that, so its kwok renews leases.
 */
const KWOK_LEASE_ARG = '--node-lease-duration-seconds=40';

/**
 * A private control plane as test/k8s/private-cluster.ts starts one (etcd, apiserver, controller-manager,
 * scheduler, kwok with `nodes` Ready nodes, on free ports in a temp folder), plus node leases and the CRDs the
 * product uses (Istio VirtualService).
 */
export async function startBenchCluster(nodes: number): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'infra-agent-k8s-bench-'));
  const env = await privateKubeEnv(dir);
  const sandbox = sandboxSettings(env);
  const kube = kubeSettings(env, dir);
  const missing = Object.values(kube.bin).filter((b) => !existsSync(b));
  if (missing.length > 0) throw new Error(`binaries missing: ${missing.join(', ')}.\nBuild them with: ${INSTALL_HINT}`);
  await prepareKube(kube);
  const services = kubeServices(kube).map((s) =>
    s.name === 'kwok' && !s.args.some((a) => a.startsWith('--node-lease-duration-seconds'))
      ? { ...s, args: [...s.args, KWOK_LEASE_ARG] }
      : s,
  );
  try {
    await up(sandbox, services, () => undefined);
    await installCrds(kube);
    await createSimulatedNodes(kube, nodes);
    await waitNodesReady(kube, nodes, 60_000);
  } catch (e) {
    await down(sandbox, services, () => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    kube,
    sandbox,
    helm: '',
    stop: async () => {
      await down(sandbox, services, () => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
