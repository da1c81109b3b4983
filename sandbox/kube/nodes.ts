import { SandboxKubeClient, waitFor } from './rest';
import type { KubeSettings } from './settings';

interface NodeList {
  readonly items: readonly {
    readonly metadata: { readonly name: string };
    readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
  }[];
}

/** Selects the nodes kwok simulates (see kwokService's --manage-nodes-with-annotation-selector). */
export const KWOK_NODE_LABEL = 'type=kwok';

/**
 * Creates (or updates) `count` simulated nodes `kwok-node-0..n-1`. kwok picks them up by their annotation,
 * marks them Ready, keeps their leases fresh and runs the pods scheduled onto them.
 */
export async function createSimulatedNodes(s: KubeSettings, count: number): Promise<string[]> {
  const client = new SandboxKubeClient(s);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    await client.apply(`/api/v1/nodes/${name}`, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          type: 'kwok',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': name,
          'node-role.kubernetes.io/agent': '',
          'topology.kubernetes.io/zone': `sandbox-${String.fromCharCode(97 + (i % 3))}`,
        },
      },
      spec: {},
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      },
    });
    // The kubelet port (kwok's server: pod logs). kwok's node-initialize stage sets it too, but only on a node
    // that is not Ready yet: a node kept from an older sandbox would get it at the next heartbeat (~10-20 min).
    await client.mergePatch(`/api/v1/nodes/${name}/status`, {
      status: { daemonEndpoints: { kubeletEndpoint: { Port: s.kwokPort } } },
    });
    names.push(name);
  }
  return names;
}

/** Names of the simulated nodes whose Ready condition is True. */
export async function readyNodes(s: KubeSettings): Promise<string[]> {
  const list = await new SandboxKubeClient(s).get<NodeList>(
    `/api/v1/nodes?labelSelector=${encodeURIComponent(KWOK_NODE_LABEL)}`,
  );
  return (list?.items ?? [])
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata.name);
}

/** Waits until at least `count` simulated nodes are Ready. */
export async function waitNodesReady(s: KubeSettings, count: number, timeoutMs = 60_000): Promise<string[]> {
  let ready: string[] = [];
  await waitFor(
    `${count} kwok nodes to be Ready`,
    async () => {
      ready = await readyNodes(s);
      return ready.length >= count;
    },
    timeoutMs,
  );
  return ready;
}
