import { setTimeout as sleep } from 'node:timers/promises';
import type { K8sOptions } from '../../core/k8s/flags';
import type { EventsRequest, GetRequest, LogsRequest, RolloutKind, RolloutStatusRequest } from '../../core/k8s/request';
import { DEFAULT_TAIL_LINES } from '../../core/k8s/request';
import type { K8sReadResult, K8sTable } from '../../core/k8s/results';
import type { WorkloadView } from '../../core/k8s/rollout-status';
import { rolloutState } from '../../core/k8s/rollout-status';
import { table, truncateTail } from '../../core/k8s/summarize';
import { API_KINDS } from './api-kinds';
import type { ApiCallSubject, KubeApiClients } from './client-node';
import { abortable, apiFailure, kubeApiClients, plain } from './client-node';
import { eventsTable, itemsTable } from './tables';
import type { KubeTarget } from './target';

/** The reads the API client serves (describe stays on kubectl: see adapters/k8s/kubectl.ts). */
export type ApiReadRequest = GetRequest | EventsRequest | LogsRequest | RolloutStatusRequest;

/** How a read runs: the clock for ages, cancellation, and a callback per rollout poll (the activity heartbeats). */
export interface ApiReadOptions {
  readonly nowMs?: number;
  readonly signal?: AbortSignal;
  readonly onPoll?: (state: { done: boolean; message: string }) => void;
  /** Between rollout polls; default 2000. */
  readonly pollMs?: number;
}

/** Runs a validated read against the environment's cluster and summarises it for chat (tables; logs cut). */
export async function apiRead(
  target: KubeTarget,
  r: ApiReadRequest,
  options: K8sOptions,
  o: ApiReadOptions = {},
): Promise<K8sReadResult> {
  const c = await kubeApiClients(target);
  const call = <T>(about: ApiCallSubject, f: () => Promise<T>): Promise<T> =>
    abortable(f(), o.signal).catch((e: unknown) => {
      throw o.signal?.aborted ? e : apiFailure(e, about, c.secrets);
    });
  const nowMs = o.nowMs ?? Date.now();
  switch (r.kind) {
    case 'get': {
      const k = API_KINDS[r.resource];
      const namespace = k.namespaced ? r.namespace : undefined;
      const name = r.name;
      const items = name
        ? [
            await call({ action: `get ${r.resource}`, object: `${k.singular} '${name}'`, namespace }, () =>
              k.read(c, r.namespace, name),
            ),
          ]
        : ((await call({ action: `list ${r.resource}`, namespace }, () => k.list(c, r.namespace, r.selector))).items ??
          []);
      return { kind: 'get', resource: r.resource, table: itemsTable(r.resource, plain(items), nowMs) };
    }
    case 'events': {
      const about = r.forObject ? API_KINDS[r.forObject.resource] : undefined;
      const fieldSelector =
        r.forObject && about ? `involvedObject.kind=${about.kind},involvedObject.name=${r.forObject.name}` : undefined;
      const list = await call({ action: 'list events', namespace: r.namespace }, () =>
        c.core.listNamespacedEvent({ namespace: r.namespace, fieldSelector }),
      );
      return { kind: 'events', table: eventsTable(plain(list.items), nowMs) };
    }
    case 'logs': {
      const tailLines = r.tailLines ?? DEFAULT_TAIL_LINES;
      const text = await call(
        { action: `logs of pod '${r.pod}'`, object: `pod '${r.pod}'`, namespace: r.namespace },
        () =>
          c.core.readNamespacedPodLog({
            namespace: r.namespace,
            name: r.pod,
            tailLines,
            ...(r.container ? { container: r.container } : {}),
            ...(options.previous ? { previous: true } : {}),
          }),
      );
      return { kind: 'logs', pod: r.pod, tailLines, ...truncateTail(typeof text === 'string' ? text : String(text)) };
    }
    case 'rollout-status':
      return rolloutStatus(c, r, call, o);
  }
}

type Call = <T>(about: ApiCallSubject, f: () => Promise<T>) => Promise<T>;

/**
 * The rollout status now, or — with `timeoutSeconds` — polled until done, stuck for good (progress deadline
 * exceeded) or out of time. Like `kubectl rollout status`; a rollout still going at the deadline is an answer.
 */
async function rolloutStatus(
  c: KubeApiClients,
  r: RolloutStatusRequest,
  call: Call,
  o: ApiReadOptions,
): Promise<K8sReadResult> {
  const deadline = Date.now() + (r.timeoutSeconds ?? 0) * 1000;
  for (;;) {
    const now =
      r.selector === undefined
        ? await one(c, r.resource, r.namespace, r.name, call)
        : await bySelector(c, r.namespace, r.selector, call);
    const left = deadline - Date.now();
    if (now.done || now.settled || left <= 0) {
      const late = !now.done && !now.settled && r.timeoutSeconds ? ` (not done after ${r.timeoutSeconds}s)` : '';
      return {
        kind: 'rollout-status',
        done: now.done,
        message: `${now.message}${late}`,
        ...(now.table ? { table: now.table } : {}),
      };
    }
    o.onPoll?.({ done: now.done, message: now.message });
    await pause(Math.min(o.pollMs ?? 2000, left), o.signal);
  }
}

/** One answer of a poll; `settled`: nothing left that could still finish by itself. */
interface Poll {
  readonly done: boolean;
  readonly settled: boolean;
  readonly message: string;
  readonly table?: K8sTable;
}

const READ: Readonly<Record<RolloutKind, (c: KubeApiClients, namespace: string, name: string) => Promise<unknown>>> = {
  deployment: (c, namespace, name) => c.apps.readNamespacedDeployment({ namespace, name }),
  statefulset: (c, namespace, name) => c.apps.readNamespacedStatefulSet({ namespace, name }),
  daemonset: (c, namespace, name) => c.apps.readNamespacedDaemonSet({ namespace, name }),
};

async function one(c: KubeApiClients, kind: RolloutKind, namespace: string, name: string, call: Call): Promise<Poll> {
  const w = await call({ action: `rollout status of ${kind} '${name}'`, object: `${kind} '${name}'`, namespace }, () =>
    READ[kind](c, namespace, name),
  );
  const s = rolloutState(kind, plain<WorkloadView>(w));
  return { done: s.done, settled: s.failed, message: s.message };
}

async function bySelector(c: KubeApiClients, namespace: string, selector: string, call: Call): Promise<Poll> {
  const list = await call({ action: 'list deployments', namespace }, () =>
    c.apps.listNamespacedDeployment({ namespace, labelSelector: selector }),
  );
  const items = plain<WorkloadView[]>(list.items);
  const rows = items
    .map((d) => ({ d, s: rolloutState('deployment', d) }))
    .sort((a, b) => (a.d.metadata?.name ?? '').localeCompare(b.d.metadata?.name ?? ''));
  const t = table(
    ['DEPLOYMENT', 'READY', 'UP-TO-DATE', 'DONE', 'MESSAGE'],
    rows.map(({ d, s }) => [
      d.metadata?.name ?? '',
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      String(d.status?.updatedReplicas ?? 0),
      s.done ? 'yes' : 'no',
      s.message,
    ]),
  );
  if (rows.length === 0) {
    return { done: false, settled: true, message: `no Deployment in ${namespace} matches ${selector}`, table: t };
  }
  const pending = rows.filter((x) => !x.s.done);
  return {
    done: pending.length === 0,
    settled: pending.every((x) => x.s.failed),
    message:
      pending.length === 0
        ? `${rows.length} of ${rows.length} Deployments rolled out`
        : `${rows.length - pending.length} of ${rows.length} Deployments rolled out; not yet: ${pending.map((x) => x.d.metadata?.name ?? '').join(', ')}`,
    table: t,
  };
}

/** Waits between polls; an abort ends the wait with the signal's reason (the activity's cancellation). */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch (e) {
    throw signal?.aborted ? (signal.reason as Error) : e;
  }
}
