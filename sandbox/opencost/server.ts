/**
 * The sandbox's stand-in for OpenCost's API (`GET /allocation/compute`, `GET /allocation`, `GET /healthz`), computed
 * from the pods the sandbox cluster really runs (allocation.ts). Real OpenCost cannot run here: it prices usage from
 * Prometheus and cAdvisor, and kwok's simulated nodes have neither.
 *
 * Pods that run are listed from the apiserver at every request; pods that are gone are remembered from a watch
 * (DELETED events: the time the server saw it go) in a state file, so a window that covers a deleted pod still
 * counts its minutes. Pods deleted while the server was not running are not known (OpenCost would know them from
 * Prometheus).
 *
 * usage: node --require tsx/cjs sandbox/opencost/server.ts --port 9003 --kubeconfig <file> --context <ctx>
 *        --state <file.json> [--cluster sandbox] [--cpu-core-hour 0.031611] [--ram-gib-hour 0.004237]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import type { Aggregate, PodRecord, Prices } from './allocation';
import { computeAllocation, parseAggregate, parseQuantity } from './allocation';

const USAGE_CPU = 'kwok.x-k8s.io/usage-cpu';
const USAGE_MEMORY = 'kwok.x-k8s.io/usage-memory';
/** kwok's metrics-usage.yaml defaults for a container without the annotations. */
const DEFAULT_USAGE = { cpu: '1m', memory: '1Mi' };

interface Options {
  readonly port: number;
  readonly host: string;
  readonly kubeconfig: string;
  readonly context: string;
  readonly state: string;
  readonly cluster: string;
  readonly prices: Prices;
}

function options(argv: readonly string[]): Options {
  const get = (name: string, fallback?: string): string => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : fallback;
    if (v === undefined) throw new Error(`--${name} is required`);
    return v;
  };
  const num = (name: string, fallback: string): number => {
    const n = Number(get(name, fallback));
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number ≥ 0`);
    return n;
  };
  return {
    port: num('port', '9003'),
    host: get('host', '127.0.0.1'),
    kubeconfig: get('kubeconfig'),
    context: get('context'),
    state: get('state'),
    cluster: get('cluster', 'sandbox'),
    prices: { cpuCoreHour: num('cpu-core-hour', '0.031611'), ramGiBHour: num('ram-gib-hour', '0.004237') },
  };
}

/** The Deployment behind a ReplicaSet-owned pod (OpenCost reports Deployments, not their ReplicaSets). */
function controllerOf(pod: V1Pod): { controller?: string; controllerKind?: string } {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return {};
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return { controller: owner.name.slice(0, -hash.length - 1), controllerKind: 'deployment' };
  }
  return { controller: owner.name, controllerKind: owner.kind.toLowerCase() };
}

/** A pod as the allocation arithmetic sees it; undefined for a pod that never ran (not scheduled, not started). */
export function podRecord(pod: V1Pod, endMs?: number): PodRecord | undefined {
  const nodeName = pod.spec?.nodeName;
  const started = pod.status?.startTime ?? (nodeName ? pod.metadata?.creationTimestamp : undefined);
  if (!nodeName || !started) return undefined;
  const annotations = pod.metadata?.annotations ?? {};
  const finished = (pod.status?.containerStatuses ?? [])
    .map((s) => s.state?.terminated?.finishedAt)
    .filter((d): d is Date => d !== undefined)
    .map((d) => new Date(d).getTime());
  const terminated = ['Succeeded', 'Failed'].includes(pod.status?.phase ?? '') && finished.length > 0;
  const end = endMs ?? (terminated ? Math.max(...finished) : undefined);
  return {
    namespace: pod.metadata?.namespace ?? '',
    pod: pod.metadata?.name ?? '',
    node: nodeName,
    ...controllerOf(pod),
    labels: pod.metadata?.labels ?? {},
    containers: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      cpuRequestCores: parseQuantity(c.resources?.requests?.cpu),
      ramRequestBytes: parseQuantity(c.resources?.requests?.memory),
      cpuUsageCores: parseQuantity(annotations[USAGE_CPU] ?? DEFAULT_USAGE.cpu),
      ramUsageBytes: parseQuantity(annotations[USAGE_MEMORY] ?? DEFAULT_USAGE.memory),
    })),
    startMs: new Date(started).getTime(),
    ...(end !== undefined ? { endMs: end } : {}),
  };
}

/** Pods seen deleted, by uid, kept in the state file across restarts. */
class DeletedPods {
  private readonly pods = new Map<string, PodRecord>();
  constructor(private readonly file: string) {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, PodRecord>;
      for (const [uid, p] of Object.entries(saved)) this.pods.set(uid, p);
    }
  }
  has(uid: string): boolean {
    return this.pods.has(uid);
  }
  add(uid: string, pod: PodRecord): void {
    this.pods.set(uid, pod);
    writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.pods)));
  }
  all(): PodRecord[] {
    return [...this.pods.values()];
  }
}

function watchDeletions(kc: KubeConfig, deleted: DeletedPods): void {
  const watch = new Watch(kc);
  const start = (): void => {
    void watch
      .watch(
        '/api/v1/pods',
        {},
        (type: string, pod: V1Pod) => {
          const uid = pod.metadata?.uid;
          if (type !== 'DELETED' || !uid || deleted.has(uid)) return;
          const record = podRecord(pod, Date.now());
          if (record) deleted.add(uid, record);
        },
        // The apiserver ends watches after a while (and on errors): watch again.
        () => setTimeout(start, 1000),
      )
      .catch(() => setTimeout(start, 1000));
  };
  start();
}

function main(): void {
  const o = options(process.argv.slice(2));
  const kc = new KubeConfig();
  kc.loadFromFile(o.kubeconfig);
  kc.setCurrentContext(o.context);
  const core = kc.makeApiClient(CoreV1Api);
  const deleted = new DeletedPods(o.state);
  watchDeletions(kc, deleted);
  let listed = false;

  const pods = async (): Promise<PodRecord[]> => {
    const list = await core.listPodForAllNamespaces();
    listed = true;
    const live = list.items
      .filter((p) => !deleted.has(p.metadata?.uid ?? ''))
      .map((p) => podRecord(p))
      .filter((p): p is PodRecord => p !== undefined);
    return [...live, ...deleted.all()];
  };

  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') return send(405, { code: 405, message: `${req.method} is not allowed` });
    if (url.pathname === '/healthz') {
      // Healthy once the cluster has answered a list: an allocation needs the pods.
      void pods().then(
        () => send(200, { code: 200, data: 'ok' }),
        (e: unknown) => send(503, { code: 503, message: `the cluster did not answer: ${(e as Error).message}` }),
      );
      return;
    }
    if (url.pathname !== '/allocation/compute' && url.pathname !== '/allocation')
      return send(404, { code: 404, message: `${url.pathname} not found; use /allocation/compute` });
    const q = url.searchParams;
    const window = q.get('window');
    if (!window) return send(400, { code: 400, message: 'Missing window parameter' });
    let aggregate: Aggregate[];
    try {
      aggregate = parseAggregate(q.get('aggregate') || 'container');
    } catch (e) {
      return send(400, { code: 400, message: (e as Error).message });
    }
    const step = q.get('step');
    void pods()
      .then((all) => {
        const data = computeAllocation(
          all,
          {
            window,
            aggregate,
            ...(step ? { step } : {}),
            accumulate: q.get('accumulate') === 'true',
          },
          Date.now(),
          o.cluster,
          o.prices,
        );
        send(200, { code: 200, data });
      })
      .catch((e: unknown) => {
        if (e instanceof RangeError) return send(400, { code: 400, message: e.message });
        send(500, { code: 500, message: `the cluster did not answer: ${(e as Error).message}` });
      });
  });
  server.listen(o.port, o.host, () => {
    console.log(
      `[opencost] listening on http://${o.host}:${o.port} (cluster ${o.cluster}, context ${o.context}; ` +
        `$${o.prices.cpuCoreHour}/core-hour, $${o.prices.ramGiBHour}/GiB-hour; listed: ${listed})`,
    );
  });
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();
