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

/** The manifest a release has now, or had at `revision`. */
export function helmGetManifestArgv(t: KubeTarget, namespace: string, release: string, revision?: number): string[] {
  return [
    'get',
    'manifest',
    release,
    ...(revision !== undefined ? ['--revision', String(revision)] : []),
    '--namespace',
    namespace,
    ...targetFlags(t),
  ];
}

/**
 * The label every infra-agent install or upgrade puts on its revision (value: the write's idempotency key). Unlike
 * the description, which helm writes only when the release completes, the label is stored with the revision from
 * the start, so a retry recognises its own `pending-install`/`pending-upgrade` revision.
 */
export const WRITE_LABEL = 'infra-agent.io/write';

/**
 * The release's latest revision if it carries `WRITE_LABEL=key` (helm list filters the latest revision of each
 * release, then the selector): an empty list means the latest revision is not this write's.
 */
export function helmListMarkedArgv(t: KubeTarget, namespace: string, release: string, key: string): string[] {
  return [
    'list',
    '--namespace',
    namespace,
    '--filter',
    `^${release}$`,
    '--all',
    '--selector',
    `${WRITE_LABEL}=${key}`,
    '--output',
    'json',
    ...targetFlags(t),
  ];
}

/** `helm uninstall`: used only to clear this product's own interrupted first install (`pending-install`). */
export function helmUninstallArgv(t: KubeTarget, namespace: string, release: string, o: K8sOptions): string[] {
  return [
    'uninstall',
    release,
    '--namespace',
    namespace,
    ...(o.wait ? ['--wait'] : []),
    ...(o.timeoutSeconds ? ['--timeout', `${o.timeoutSeconds}s`] : []),
    ...targetFlags(t),
  ];
}

/** What the chart would render for the release; rendered locally (no `--validate`), so nothing is sent to the cluster. */
export function helmTemplateArgv(t: KubeTarget, namespace: string, release: string, c: ResolvedChart): string[] {
  return ['template', release, ...chartArgs(c), '--namespace', namespace, ...targetFlags(t)];
}

/**
 * `helm install`. The description (written when helm completes) and the label (stored from the start) carry the
 * idempotency key, so a retried attempt recognises its own revision in the history, finished or not.
 */
export function helmInstallArgv(
  t: KubeTarget,
  namespace: string,
  release: string,
  c: ResolvedChart,
  o: K8sOptions,
  key: string,
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
    `infra-agent ${key}`,
    '--labels',
    `${WRITE_LABEL}=${key}`,
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
  key: string,
): string[] {
  return [
    'upgrade',
    release,
    ...chartArgs(c),
    '--namespace',
    namespace,
    ...writeFlags(o),
    '--description',
    `infra-agent ${key}`,
    '--labels',
    `${WRITE_LABEL}=${key}`,
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
