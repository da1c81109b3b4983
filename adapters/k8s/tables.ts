import type { K8sTable } from '../../core/k8s/results';
import { age, table } from '../../core/k8s/summarize';

/** The fields of `kubectl get -o json` items that the tables use. */
interface Item {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly creationTimestamp?: string };
  readonly spec?: {
    readonly replicas?: number;
    readonly nodeName?: string;
    readonly type?: string;
    readonly clusterIP?: string;
    readonly template?: { readonly spec?: { readonly containers?: readonly { readonly image?: string }[] } };
  };
  readonly status?: {
    readonly phase?: string;
    readonly replicas?: number;
    readonly readyReplicas?: number;
    readonly updatedReplicas?: number;
    readonly availableReplicas?: number;
    readonly containerStatuses?: readonly { readonly ready?: boolean; readonly restartCount?: number }[];
    readonly conditions?: readonly { readonly type?: string; readonly status?: string }[];
  };
}

const n = (v: number | undefined): string => String(v ?? 0);

/** Columns like `kubectl get` prints for the common kinds; name, namespace and age for the rest. */
export function itemsTable(resource: string, items: readonly Item[], nowMs: number): K8sTable {
  const name = (i: Item): string => i.metadata?.name ?? '';
  const ago = (i: Item): string => age(i.metadata?.creationTimestamp, nowMs);
  switch (resource) {
    case 'pods':
      return table(
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE', 'AGE'],
        items.map((i) => {
          const cs = i.status?.containerStatuses ?? [];
          const ready = cs.filter((c) => c.ready).length;
          const restarts = cs.reduce((s, c) => s + (c.restartCount ?? 0), 0);
          return [
            name(i),
            `${ready}/${cs.length}`,
            i.status?.phase ?? '',
            String(restarts),
            i.spec?.nodeName ?? '',
            ago(i),
          ];
        }),
      );
    case 'deployments':
    case 'statefulsets':
    case 'replicasets':
      return table(
        ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'IMAGES'],
        items.map((i) => [
          name(i),
          `${n(i.status?.readyReplicas)}/${n(i.spec?.replicas)}`,
          n(i.status?.updatedReplicas),
          n(i.status?.availableReplicas),
          ago(i),
          (i.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '').join(','),
        ]),
      );
    case 'services':
      return table(
        ['NAME', 'TYPE', 'CLUSTER-IP', 'AGE'],
        items.map((i) => [name(i), i.spec?.type ?? '', i.spec?.clusterIP ?? '', ago(i)]),
      );
    case 'nodes':
      return table(
        ['NAME', 'STATUS', 'AGE'],
        items.map((i) => {
          const ready = i.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
          return [name(i), ready ? 'Ready' : 'NotReady', ago(i)];
        }),
      );
    default:
      return table(
        ['NAME', 'NAMESPACE', 'AGE'],
        items.map((i) => [name(i), i.metadata?.namespace ?? '', ago(i)]),
      );
  }
}

/** The fields of a core/v1 Event that the table uses. */
interface EventItem {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly metadata?: { readonly creationTimestamp?: string };
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

/** Events, newest last (as kubectl prints them). */
export function eventsTable(items: readonly EventItem[], nowMs: number): K8sTable {
  const when = (e: EventItem): string => e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
  const sorted = [...items].sort((a, b) => Date.parse(when(a)) - Date.parse(when(b)));
  // Keep the newest rows when capping: they are at the end.
  const rows = sorted.map((e) => [
    age(when(e), nowMs),
    e.type ?? '',
    e.reason ?? '',
    `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`,
    (e.message ?? '').slice(0, 300),
  ]);
  const capped = table(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], rows.slice(-50));
  return { ...capped, omittedRows: Math.max(0, rows.length - 50) };
}
