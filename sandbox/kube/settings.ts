import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolBinDir } from '../paths';
import { sandboxSettings } from '../settings';

/** Where and on which ports the sandbox's local Kubernetes control plane runs. */
export interface KubeSettings {
  /** The sandbox state dir (pid files and logs of every service live there). */
  readonly sandboxStateDir: string;
  /** Certificates, kubeconfigs, etcd data and the kwok config: `<sandboxStateDir>/kube`. */
  readonly kubeDir: string;
  readonly host: string;
  readonly etcdPort: number;
  readonly etcdPeerPort: number;
  readonly apiserverPort: number;
  readonly controllerManagerPort: number;
  readonly schedulerPort: number;
  /** kwok's HTTP server (/healthz). */
  readonly kwokPort: number;
  /** The kubeconfig for the product and tests (context `sandbox`, cluster-admin client certificate). */
  readonly kubeconfig: string;
  readonly contextName: string;
  readonly serviceClusterIpRange: string;
  /** The first address of serviceClusterIpRange: the `kubernetes` Service, a SAN of the serving certificate. */
  readonly kubernetesServiceIp: string;
  readonly podCidr: string;
  /** etcd without fsync: fast, loses data only on an OS crash (not on a process kill). */
  readonly etcdNoFsync: boolean;
  readonly versions: KubeVersions;
  readonly bin: {
    readonly etcd: string;
    readonly kubeApiserver: string;
    readonly kubeControllerManager: string;
    readonly kubeScheduler: string;
    readonly kwok: string;
    /** kubectl of the same version as the server (built alongside; not a service). */
    readonly kubectl: string;
  };
}

export interface KubeVersions {
  readonly kube: string;
  readonly etcd: string;
  readonly kwok: string;
}

export const INSTALL_HINT = 'bash sandbox/kube/bootstrap-kube.sh';

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name}=${raw} is not a valid port; use an integer such as ${fallback}`);
  }
  return n;
}

/** The pinned versions from sandbox/kube/versions.env (the file bootstrap-kube.sh builds from). */
export function kubeVersions(): KubeVersions {
  const text = readFileSync(join(__dirname, 'versions.env'), 'utf8');
  const get = (key: string): string => {
    const m = new RegExp(`^${key}=(\\S+)$`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`sandbox/kube/versions.env has no ${key}`);
    return m[1];
  };
  return { kube: get('KUBE_VERSION'), etcd: get('ETCD_VERSION'), kwok: get('KWOK_VERSION') };
}

/**
 * Settings from the environment: INFRA_AGENT_KUBE_ETCD_PORT (2379), INFRA_AGENT_KUBE_ETCD_PEER_PORT (2380),
 * INFRA_AGENT_KUBE_APISERVER_PORT (6443), INFRA_AGENT_KUBE_CONTROLLER_MANAGER_PORT (10257),
 * INFRA_AGENT_KUBE_SCHEDULER_PORT (10259), INFRA_AGENT_KUBE_KWOK_PORT (10247), INFRA_AGENT_KUBE_ETCD_FSYNC=1 (fsync on).
 * The state lives under the sandbox state dir (default: the one `sandboxSettings(env)` uses).
 */
export function kubeSettings(
  env: NodeJS.ProcessEnv = process.env,
  sandboxStateDir: string = sandboxSettings(env).stateDir,
): KubeSettings {
  const kubeDir = join(sandboxStateDir, 'kube');
  const bin = toolBinDir(env);
  return {
    sandboxStateDir,
    kubeDir,
    host: '127.0.0.1',
    etcdPort: portFrom(env, 'INFRA_AGENT_KUBE_ETCD_PORT', 2379),
    etcdPeerPort: portFrom(env, 'INFRA_AGENT_KUBE_ETCD_PEER_PORT', 2380),
    apiserverPort: portFrom(env, 'INFRA_AGENT_KUBE_APISERVER_PORT', 6443),
    controllerManagerPort: portFrom(env, 'INFRA_AGENT_KUBE_CONTROLLER_MANAGER_PORT', 10257),
    schedulerPort: portFrom(env, 'INFRA_AGENT_KUBE_SCHEDULER_PORT', 10259),
    kwokPort: portFrom(env, 'INFRA_AGENT_KUBE_KWOK_PORT', 10247),
    kubeconfig: join(kubeDir, 'kubeconfig'),
    contextName: 'sandbox',
    serviceClusterIpRange: '10.96.0.0/16',
    kubernetesServiceIp: '10.96.0.1',
    podCidr: '10.244.0.0/16',
    etcdNoFsync: env.INFRA_AGENT_KUBE_ETCD_FSYNC !== '1',
    versions: kubeVersions(),
    bin: {
      etcd: join(bin, 'etcd'),
      kubeApiserver: join(bin, 'kube-apiserver'),
      kubeControllerManager: join(bin, 'kube-controller-manager'),
      kubeScheduler: join(bin, 'kube-scheduler'),
      kwok: join(bin, 'kwok'),
      kubectl: join(bin, 'kubectl'),
    },
  };
}
