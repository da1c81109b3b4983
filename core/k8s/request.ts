/** Resource kinds a person may read. Anything else (Secrets above all) is refused before any request is sent. */
export const RESOURCE_KINDS = [
  'pods',
  'deployments',
  'replicasets',
  'statefulsets',
  'daemonsets',
  'services',
  'endpoints',
  'configmaps',
  'jobs',
  'cronjobs',
  'ingresses',
  'nodes',
  'namespaces',
  'events',
  'horizontalpodautoscalers',
  'persistentvolumeclaims',
  'virtualservices',
  'destinationrules',
] as const;
/** One allowed resource kind (plural, as kubectl spells it). */
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Workloads whose rollout status can be read (as `kubectl rollout status` computes it). */
export const ROLLOUT_KINDS = ['deployment', 'statefulset', 'daemonset'] as const;
export type RolloutKind = (typeof ROLLOUT_KINDS)[number];

/** Helm values: plain JSON, written to a file by the adapter (never `--set`, whose own mini-language parses commas). */
export type HelmValues = { readonly [key: string]: HelmValue };
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | HelmValues;

interface Base {
  readonly namespace: string;
  /**
   * Extra flags as the person typed them. Only a few harmless ones are accepted (see `flags.ts`); anything that
   * could load code or configuration, or point at another cluster or identity, is refused with a reason.
   */
  readonly flags?: readonly string[];
}

/** `kubectl get <resource> [name] [-l selector]`. */
export interface GetRequest extends Base {
  readonly kind: 'get';
  readonly resource: ResourceKind;
  readonly name?: string;
  readonly selector?: string;
}
/** `kubectl describe <resource> <name>`. */
export interface DescribeRequest extends Base {
  readonly kind: 'describe';
  readonly resource: ResourceKind;
  readonly name: string;
}
/** Events of a namespace, optionally of one object. */
export interface EventsRequest extends Base {
  readonly kind: 'events';
  readonly forObject?: { readonly resource: ResourceKind; readonly name: string };
}
/** The last lines of a pod's log. */
export interface LogsRequest extends Base {
  readonly kind: 'logs';
  readonly pod: string;
  readonly container?: string;
  /** Lines from the end; capped at MAX_TAIL_LINES. Default 100. */
  readonly tailLines?: number;
}
interface RolloutStatusBase extends Base {
  readonly kind: 'rollout-status';
  readonly resource: RolloutKind;
  /** How long to wait for the rollout to finish. Default 0 = report the current state without waiting. */
  readonly timeoutSeconds?: number;
}
/**
 * Whether a rollout finished: of one workload by name, or of every Deployment matching a label selector (both
 * colours of a service carry `app=<service>`). Exactly one of `name` and `selector`.
 */
export type RolloutStatusRequest =
  | (RolloutStatusBase & { readonly name: string; readonly selector?: undefined })
  | (RolloutStatusBase & { readonly resource: 'deployment'; readonly selector: string; readonly name?: undefined });
/** Revisions of a Helm release. */
export interface HelmHistoryRequest extends Base {
  readonly kind: 'helm-history';
  readonly release: string;
}
/** A chart (local path under the repo, or `repo/chart`) with values. */
export interface ChartRef {
  readonly release: string;
  readonly chart: string;
  /** Chart version, for `repo/chart` references. */
  readonly version?: string;
  readonly values?: HelmValues;
}
/** What an upgrade would change: `helm template` of the chart vs `helm get manifest` of the release. */
export interface HelmDiffRequest extends Base, ChartRef {
  readonly kind: 'helm-diff';
}
export interface HelmInstallRequest extends Base, ChartRef {
  readonly kind: 'helm-install';
}
export interface HelmUpgradeRequest extends Base, ChartRef {
  readonly kind: 'helm-upgrade';
}
/** Roll a release back to `revision`. */
export interface HelmRollbackRequest extends Base {
  readonly kind: 'helm-rollback';
  readonly release: string;
  readonly revision: number;
}

/** Every Kubernetes or Helm request the agent understands. */
export type K8sRequest =
  | GetRequest
  | DescribeRequest
  | EventsRequest
  | LogsRequest
  | RolloutStatusRequest
  | HelmHistoryRequest
  | HelmDiffRequest
  | HelmInstallRequest
  | HelmUpgradeRequest
  | HelmRollbackRequest;

export type K8sRequestKind = K8sRequest['kind'];
/**
 * Reads of Kubernetes objects (the `k8sRead` activity): served by the API client, `describe` by kubectl. The name
 * is older than the API client; it stays because recorded workflow inputs and activity types use it.
 */
export type KubectlReadRequest = GetRequest | DescribeRequest | EventsRequest | LogsRequest | RolloutStatusRequest;
/** Reads served by helm. */
export type HelmReadRequest = HelmHistoryRequest | HelmDiffRequest;
/** Changes to the cluster; they need approval per the environment's policy. */
export type HelmWriteRequest = HelmInstallRequest | HelmUpgradeRequest | HelmRollbackRequest;

export const MAX_TAIL_LINES = 500;
export const DEFAULT_TAIL_LINES = 100;
export const MAX_ROLLOUT_TIMEOUT_SECONDS = 600;
