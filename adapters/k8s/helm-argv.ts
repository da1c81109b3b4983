import type { K8sOptions } from '../../core/k8s/flags';
import type { KubeTarget } from './target';

/** A chart ready for helm: an absolute local path (checked to be inside the repo) or `repo/chart`. */
export interface ResolvedChart {
  readonly chart: string;
  readonly version?: string;
  /** A JSON file of values written by the caller; JSON is YAML, so helm reads it as a values file. */
  readonly valuesFile?: string;
}

/** Set by the adapter on every helm command, after the request's own arguments. */
const targetFlags = (t: KubeTarget): string[] => ['--kubeconfig', t.kubeconfig, '--kube-context', t.context];

const chartArgs = (c: ResolvedChart): string[] => [
  c.chart,
  ...(c.version ? ['--version', c.version] : []),
  ...(c.valuesFile ? ['--values', c.valuesFile] : []),
];

const writeFlags = (o: K8sOptions): string[] => [
  ...(o.wait ? ['--wait'] : []),
  ...(o.atomic ? ['--atomic'] : []),
  ...(o.timeoutSeconds ? ['--timeout', `${o.timeoutSeconds}s`] : []),
];

/** `helm history` as JSON. */
export function helmHistoryArgv(t: KubeTarget, namespace: string, release: string): string[] {
  return ['history', release, '--namespace', namespace, '--max', '20', '--output', 'json', ...targetFlags(t)];
}

/** The manifest a release has now. */
export function helmGetManifestArgv(t: KubeTarget, namespace: string, release: string): string[] {
  return ['get', 'manifest', release, '--namespace', namespace, ...targetFlags(t)];
}

/** What the chart would render for the release; rendered locally (no `--validate`), so nothing is sent to the cluster. */
export function helmTemplateArgv(t: KubeTarget, namespace: string, release: string, c: ResolvedChart): string[] {
  return ['template', release, ...chartArgs(c), '--namespace', namespace, ...targetFlags(t)];
}

/**
 * `helm install`. The description carries the idempotency token so a retried attempt can recognise its own
 * revision in the history.
 */
export function helmInstallArgv(
  t: KubeTarget,
  namespace: string,
  release: string,
  c: ResolvedChart,
  o: K8sOptions,
  description: string,
): string[] {
  return [
    'install',
    release,
    ...chartArgs(c),
    '--namespace',
    namespace,
    ...(o.createNamespace ? ['--create-namespace'] : []),
    ...writeFlags(o),
    '--description',
    description,
    '--output',
    'json',
    ...targetFlags(t),
  ];
}

/** `helm upgrade` of an existing release (no `--install`: installing is its own request, approved as such). */
export function helmUpgradeArgv(
  t: KubeTarget,
  namespace: string,
  release: string,
  c: ResolvedChart,
  o: K8sOptions,
  description: string,
): string[] {
  return [
    'upgrade',
    release,
    ...chartArgs(c),
    '--namespace',
    namespace,
    ...writeFlags(o),
    '--description',
    description,
    '--output',
    'json',
    ...targetFlags(t),
  ];
}

/** `helm rollback` to a revision (helm has no `--description` here; the history says "Rollback to N"). */
export function helmRollbackArgv(
  t: KubeTarget,
  namespace: string,
  release: string,
  revision: number,
  o: K8sOptions,
): string[] {
  return ['rollback', release, String(revision), '--namespace', namespace, ...writeFlags(o), ...targetFlags(t)];
}
