import type { PrivateCluster } from '../k8s/private-cluster';
import { clusterKubectl } from '../k8s/private-cluster';
import { eventually } from './sandbox';

/** A Deployment of one container with the given requests (and kwok's simulated usage, when given). */
export function deployment(
  namespace: string,
  name: string,
  replicas: number,
  requests: { cpu: string; memory: string },
  usage?: { cpu: string; memory: string },
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          labels: { app: name },
          ...(usage
            ? { annotations: { 'kwok.x-k8s.io/usage-cpu': usage.cpu, 'kwok.x-k8s.io/usage-memory': usage.memory } }
            : {}),
        },
        spec: { containers: [{ name: 'app', image: 'ghcr.io/example/app:1', resources: { requests } }] },
      },
    },
  };
}

export interface RunningPod {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  status: { phase?: string; startTime?: string };
}

/** Waits until `n` pods of `app` run (kwok has started them: startTime set) and returns them. */
export async function runningPodsOf(
  cluster: PrivateCluster,
  namespace: string,
  app: string,
  n: number,
): Promise<RunningPod[]> {
  return eventually(
    async () => {
      const { stdout } = await clusterKubectl(cluster).run(
        'get',
        'pods',
        '-n',
        namespace,
        '-l',
        `app=${app}`,
        '-o',
        'json',
      );
      const pods = (JSON.parse(stdout) as { items: RunningPod[] }).items;
      const running = pods.filter((p) => p.status.phase === 'Running' && p.status.startTime);
      if (running.length !== n) throw new Error(`${running.length}/${n} pods of ${app} running`);
      return running;
    },
    90_000,
    `${n} pods of ${app} running`,
  );
}
