import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RolloutDeps } from '../../activities/rollout/deps';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { ServiceTarget } from '../../core/rollout/types';
import { installCrds } from '../../sandbox/kube/services';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';

const exec = promisify(execFile);

/**
 * How a test makes a colour's pods FAIL under kwok: deploy an image whose TAG contains `crash`
 * (`ghcr.io/example/payments-api:1.2.0-crash`). The kwok stage `sandbox/kube/stages/pod-crash-loop-by-image.yaml`
 * then keeps its pods Running but never Ready, containers Waiting in CrashLoopBackOff, restarts climbing to 5
 * (~1–3 s apart). Any other tag becomes Running/Ready in about a second. Works in `npm run sandbox` too.
 */
export const CRASH_TAG_MARKER = 'crash';

/** `repo:1.2.0` → `repo:1.2.0-crash`; `repo` (no tag) → `repo:crash`. */
export function crashImage(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') ? `${image}-${CRASH_TAG_MARKER}` : `${image}:${CRASH_TAG_MARKER}`;
}

export interface RolloutCluster {
  /** The private control plane (etcd, apiserver, controller-manager, scheduler, kwok) with the Istio CRDs. */
  readonly cluster: PrivateCluster;
  /** Rollout activity deps: environment `dev` → this cluster, namespaceSuffix `-dev`, traffic istio. */
  readonly deps: RolloutDeps;
  /** A ServiceTarget in `dev`: namespace `<namespace>-dev`. */
  target(service: string, namespace?: string): ServiceTarget;
  /** kubectl against the cluster (argument array); stdout, throws on a non-zero exit. */
  kubectl(...args: string[]): Promise<string>;
  /** kubectl ... -o json, parsed. */
  kubectlJson<T>(...args: string[]): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts a private cluster (`nodes` kwok nodes, default 2) with the product's CRDs (VirtualService, …) installed,
 * and returns RolloutDeps whose only environment with a cluster is `dev`. About 5–10 s. Call `stop()` in afterAll.
 */
export async function startRolloutCluster(nodes = 2): Promise<RolloutCluster> {
  const cluster = await startPrivateCluster(nodes);
  try {
    await installCrds(cluster.kube);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  const { kubeconfig, contextName } = cluster.kube;
  const motoPort = process.env.INFRA_AGENT_MOTO_PORT ?? '4566';
  const deps: RolloutDeps = {
    run: createRunCommand({ kubectl: 'run: bash sandbox/kube/bootstrap-kube.sh kube' }),
    kubectlBin: cluster.kube.bin.kubectl,
    kubeconfig,
    environments: {
      dev: {
        region: 'us-east-1',
        cluster: {
          name: 'private',
          kubeContext: contextName,
          kubeconfig,
          namespaceSuffix: '-dev',
          traffic: { kind: 'istio' },
        },
      },
    },
    aws: createAwsClientFactory({
      endpoint: `http://127.0.0.1:${motoPort}`,
      accessKeyId: 'testing',
      secretAccessKey: 'testing',
    }),
  };
  const kubectl = async (...args: string[]): Promise<string> =>
    (
      await exec(cluster.kube.bin.kubectl, ['--kubeconfig', kubeconfig, '--context', contextName, ...args], {
        maxBuffer: 32 * 1024 * 1024,
      })
    ).stdout;
  return {
    cluster,
    deps,
    target: (service, namespace = service) => ({ environment: 'dev', service, namespace: `${namespace}-dev` }),
    kubectl,
    kubectlJson: async <T>(...args: string[]) => JSON.parse(await kubectl(...args, '-o', 'json')) as T,
    stop: () => cluster.stop(),
  };
}
