import type { ManifestObject } from './manifest-diff';

/**
 * Who owns which Kubernetes objects. A blue/green rollout owns, in its service's namespace, the Service and
 * Deployment named `<service>` (the stable Service) and `<service>-blue` / `<service>-green` (one per colour), and
 * labels everything it writes `app.kubernetes.io/managed-by: infra-agent` (adapters/k8s/bluegreen.ts). A Helm
 * release that renders an object of the same kind and name takes it over, and the next rollout or upgrade leaves
 * the other selecting no pods — so both the config and the helm preview refuse such a pair.
 */

/** The label a rollout puts on every object it writes, and its value (adapters/k8s/bluegreen.ts). */
export const ROLLOUT_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const ROLLOUT_MANAGED_BY_VALUE = 'infra-agent';
/** The label a rollout puts on its objects naming the catalog service. */
export const ROLLOUT_APP_LABEL = 'app';

/** The kinds of object a rollout writes under names derived from its service. */
export const ROLLOUT_KINDS = ['Service', 'Deployment', 'VirtualService'] as const;

/** The object names a rollout of `service` owns in its namespace. */
export function rolloutObjectNames(service: string): string[] {
  return [service, `${service}-blue`, `${service}-green`];
}

/** A catalog entry as the ownership checks see it: namespace (without the cluster's suffix) and name. */
export interface OwnerEntry {
  readonly name: string;
  readonly namespace: string;
}

/** A release as the config check sees it: the names its chart is likely to give its objects. */
export interface ReleaseEntry extends OwnerEntry {
  readonly chart: string;
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * The names a Helm chart conventionally gives its objects (`helm create`'s fullname helper): the release name,
 * `fullnameOverride` when set, and `<release>-<chart>` unless the release name already contains the chart name.
 * A guess from the config alone; the helm preview checks what the chart really renders.
 */
export function likelyReleaseObjectNames(release: ReleaseEntry): string[] {
  const chartName = release.chart.replace(/\/+$/, '').split('/').at(-1) ?? release.chart;
  const override = release.values?.fullnameOverride;
  const nameOverride = typeof release.values?.nameOverride === 'string' ? release.values.nameOverride : chartName;
  const names = new Set<string>([release.name]);
  if (typeof override === 'string' && override) names.add(override);
  else names.add(release.name.includes(nameOverride) ? release.name : `${release.name}-${nameOverride}`);
  return [...names];
}

/** One service/release pair that would own the same objects. */
export interface OwnershipCollision {
  readonly service: string;
  readonly release: string;
  readonly namespace: string;
  /** The object names both would own. */
  readonly names: readonly string[];
}

/** Every (service, release) pair in one namespace whose object names overlap. Pure: for config validation. */
export function catalogCollisions(
  services: readonly OwnerEntry[],
  releases: readonly ReleaseEntry[],
): OwnershipCollision[] {
  const out: OwnershipCollision[] = [];
  for (const rel of releases) {
    const relNames = likelyReleaseObjectNames(rel);
    for (const svc of services) {
      if (svc.namespace !== rel.namespace) continue;
      const owned = rolloutObjectNames(svc.name);
      const names = relNames.filter((n) => owned.includes(n));
      if (names.length > 0) out.push({ service: svc.name, release: rel.name, namespace: rel.namespace, names });
    }
  }
  return out;
}

/** A rendered object that collides with one a rollout owns. */
export interface RenderedCollision {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** The catalog service whose rollout owns it, when known (its `app` label or its name). */
  readonly service?: string;
  /** Why: 'live-label' (the object in the cluster carries the rollout's label) or 'catalog-name'. */
  readonly reason: 'live-label' | 'catalog-name';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const labelsOf = (o: ManifestObject): Record<string, unknown> => {
  const l = (o.metadata as { labels?: unknown } | undefined)?.labels;
  return typeof l === 'object' && l !== null ? (l as Record<string, unknown>) : {};
};
const keyOf = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`;

/**
 * The objects a chart renders (`rendered`, from `helm template`) that a rollout owns: either the live object of the
 * same kind, namespace and name carries the rollout's managed-by label (`live`: the objects currently in the
 * release's namespace, e.g. `kubectl get services,deployments -l app.kubernetes.io/managed-by=infra-agent`), or it
 * is a Service/Deployment/VirtualService named like a catalog service's `<service>`, `<service>-blue`, `<service>-green` in that
 * service's namespace (`services`, namespaces as deployed, i.e. with the cluster's suffix). Empty = no collision.
 */
export function renderedCollisions(
  rendered: readonly ManifestObject[],
  namespace: string,
  live: readonly ManifestObject[],
  services: readonly OwnerEntry[] = [],
): RenderedCollision[] {
  const owned = new Map<string, string | undefined>();
  for (const o of live) {
    const labels = labelsOf(o);
    if (labels[ROLLOUT_MANAGED_BY_LABEL] !== ROLLOUT_MANAGED_BY_VALUE) continue;
    const kind = str(o.kind);
    const name = str(o.metadata?.name);
    if (!kind || !name) continue;
    owned.set(keyOf(kind, str(o.metadata?.namespace) ?? namespace, name), str(labels[ROLLOUT_APP_LABEL]));
  }
  const out: RenderedCollision[] = [];
  for (const o of rendered) {
    const kind = str(o.kind);
    const name = str(o.metadata?.name);
    if (!kind || !name) continue;
    const ns = str(o.metadata?.namespace) ?? namespace;
    const key = keyOf(kind, ns, name);
    if (owned.has(key)) {
      const service = owned.get(key);
      out.push({ kind, name, namespace: ns, ...(service ? { service } : {}), reason: 'live-label' });
      continue;
    }
    if (!(ROLLOUT_KINDS as readonly string[]).includes(kind)) continue;
    const svc = services.find((s) => s.namespace === ns && rolloutObjectNames(s.name).includes(name));
    if (svc) out.push({ kind, name, namespace: ns, service: svc.name, reason: 'catalog-name' });
  }
  return out;
}

/** The refusal a helm preview gives for collisions: which objects, which rollout, what to do. */
export function describeRenderedCollisions(release: string, collisions: readonly RenderedCollision[]): string {
  const items = collisions.map(
    (c) =>
      `${c.kind} ${c.namespace}/${c.name}` +
      (c.service ? ` (owned by the rollout of service '${c.service}')` : ' (labelled as owned by a rollout)'),
  );
  return (
    `release '${release}' would take over objects a blue/green rollout owns: ${items.join(', ')}; ` +
    'rename the release (or its fullnameOverride) or move it to another namespace'
  );
}
