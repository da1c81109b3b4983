import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { privateKubeEnv } from '../support/kube-env';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINT } from '../../sandbox/kube/settings';
import {
  createSimulatedNodes,
  installCrds,
  kubeServices,
  kubeSettings,
  prepareKube,
  waitNodesReady,
} from '../../sandbox/kube/services';
import type { KubeSettings } from '../../sandbox/kube/services';
import { SandboxError, down, up } from '../../sandbox/manager';
import { toolPath } from '../../sandbox/paths';
import { sandboxSettings } from '../../sandbox/settings';
import type { SandboxSettings } from '../../sandbox/settings';

/** A control plane of our own, on free ports in a temp folder (as test/sandbox/kube.test.ts starts one). */
export interface PrivateCluster {
  readonly dir: string;
  readonly kube: KubeSettings;
  readonly sandbox: SandboxSettings;
  readonly helm: string;
  stop(): Promise<void>;
}

/**
 * Starts etcd, apiserver, controller-manager, scheduler and kwok with `nodes` Ready kwok nodes. The ports are picked
 * free, but another test file's servers may take one before ours binds it: then what started is stopped and the
 * cluster starts again on other ports (up to 3 times).
 */
export async function startPrivateCluster(nodes = 2): Promise<PrivateCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(nodes);
    } catch (e) {
      if (!(e instanceof SandboxError && e.reason === 'port-taken') || attempt >= 3) throw e;
    }
  }
}

async function startOnce(nodes: number): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'infra-agent-k8s-test-'));
  const env: NodeJS.ProcessEnv = await privateKubeEnv(dir);
  const sandbox = sandboxSettings(env);
  const kube = kubeSettings(env, dir);
  const helm = toolPath('helm');
  const missing = [...Object.values(kube.bin), helm].filter((b) => !existsSync(b));
  if (missing.length > 0) {
    throw new Error(
      `binaries missing: ${missing.join(', ')}.\nBuild them with: ${INSTALL_HINT}; bash sandbox/bootstrap.sh helm`,
    );
  }
  await prepareKube(kube);
  try {
    await up(sandbox, kubeServices(kube), () => undefined);
  } catch (e) {
    await down(sandbox, kubeServices(kube), () => undefined).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  await createSimulatedNodes(kube, nodes);
  await waitNodesReady(kube, nodes, 60_000);
  // The CRDs the product uses (VirtualService, DestinationRule, VulnerabilityReport, ConfigAuditReport), as `sandbox up` installs them.
  await installCrds(kube);
  return {
    dir,
    kube,
    sandbox,
    helm,
    stop: async () => {
      await down(sandbox, kubeServices(kube), () => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** kubectl against the cluster (argument arrays): `run(...args)` for its output, `apply(json)` to apply on stdin. */
export function clusterKubectl(cluster: PrivateCluster): {
  run(...args: string[]): Promise<{ stdout: string }>;
  apply(manifest: string): Promise<void>;
} {
  const base = () => ['--kubeconfig', cluster.kube.kubeconfig, '--context', cluster.kube.contextName];
  return {
    run: (...args) => promisify(execFile)(cluster.kube.bin.kubectl, [...base(), ...args]),
    apply: (manifest) =>
      new Promise<void>((resolve, reject) => {
        const child = execFile(cluster.kube.bin.kubectl, [...base(), 'apply', '-f', '-'], (e: Error | null) =>
          e ? reject(e) : resolve(),
        );
        child.stdin?.end(manifest);
      }),
  };
}
