import { freePort } from './ports';

/** The environment for a private control plane in `dir`: every Kubernetes port free, a generous health wait. */
export async function privateKubeEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    INFRA_AGENT_SANDBOX_DIR: dir,
    INFRA_AGENT_HEALTH_TIMEOUT: '180',
    INFRA_AGENT_KUBE_ETCD_PORT: String(await freePort()),
    INFRA_AGENT_KUBE_ETCD_PEER_PORT: String(await freePort()),
    INFRA_AGENT_KUBE_APISERVER_PORT: String(await freePort()),
    INFRA_AGENT_KUBE_CONTROLLER_MANAGER_PORT: String(await freePort()),
    INFRA_AGENT_KUBE_SCHEDULER_PORT: String(await freePort()),
    INFRA_AGENT_KUBE_KWOK_PORT: String(await freePort()),
  };
}
