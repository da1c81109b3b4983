import type { AppConfig, ReleaseConfig } from '../config';
import type { EnvironmentName } from '../environments';
import { ENVIRONMENTS } from '../environments';
import { InvalidInput } from '../errors';
import type { ChartRef, HelmReadRequest, KubectlReadRequest } from '../k8s/request';
import { DEFAULT_TAIL_LINES } from '../k8s/request';
import { belongsToService, DESCRIBE_KINDS, OBJECT_REF, objectRef, serviceObjectExample } from './objects';
import type { KubeReadCommand } from './types';

/**
 * What turning a Kubernetes read command into a request needs from the configuration: the namespace of each
 * catalog service and release, and each environment's cluster (absent: the environment has none). Plain data,
 * so a workflow (diagnosis) gets the same facts the gateway reads from the config.
 */
export interface KubeFacts {
  /** `services.<name>.namespace`, before the environment's suffix. */
  readonly serviceNamespaces: Readonly<Record<string, string>>;
  /** `releases.<name>.namespace`, before the environment's suffix. */
  readonly releaseNamespaces: Readonly<Record<string, string>>;
  /**
   * `releases.<name>`'s chart, version and values: what `helm diff` compares the release with (the same chart
   * reference an upgrade would install). Absent in facts recorded before `helm diff` existed: no diff then.
   */
  readonly releaseCharts?: Readonly<Record<string, Omit<ChartRef, 'release'>>>;
  /** `environments.<env>.cluster`: its name and the suffix every namespace gets there (e.g. `-dev`). */
  readonly clusters: Readonly<
    Partial<Record<EnvironmentName, { readonly name: string; readonly namespaceSuffix: string }>>
  >;
}

export function kubeFacts(config: AppConfig): KubeFacts {
  const clusters: Partial<Record<EnvironmentName, { name: string; namespaceSuffix: string }>> = {};
  for (const env of ENVIRONMENTS) {
    const c = config.environments[env].cluster;
    if (c) clusters[env] = { name: c.name, namespaceSuffix: c.namespaceSuffix };
  }
  return {
    serviceNamespaces: Object.fromEntries(Object.entries(config.services).map(([k, v]) => [k, v.namespace])),
    releaseNamespaces: Object.fromEntries(Object.entries(config.releases).map(([k, v]) => [k, v.namespace])),
    releaseCharts: Object.fromEntries(Object.entries(config.releases).map(([k, v]) => [k, releaseChart(v)])),
    clusters,
  };
}

/** The chart reference of a catalog release, as an install or upgrade of it uses it (and a diff compares with). */
export function releaseChart(r: Pick<ReleaseConfig, 'chart' | 'version' | 'values'>): Omit<ChartRef, 'release'> {
  return { chart: r.chart, ...(r.version ? { version: r.version } : {}), ...(r.values ? { values: r.values } : {}) };
}

/** True for the commands the catalog says a Kubernetes or helm read serves. */
export { isKubeRead } from './policy';

/**
 * One read for one environment's cluster: a Kubernetes read (k8sRead: the API client, kubectl for describe) or a
 * helm read (helmRead: history, diff). `tool: 'kubectl'` names the k8sRead family; the value is kept as it was
 * because workflow histories record it.
 */
export type KubeReadRequest =
  | { readonly environment: EnvironmentName; readonly tool: 'kubectl'; readonly request: KubectlReadRequest }
  | { readonly environment: EnvironmentName; readonly tool: 'helm'; readonly request: HelmReadRequest };

/** The namespace a command reads in `env`, or InvalidInput naming what to configure. */
export function kubeNamespace(c: KubeReadCommand, facts: KubeFacts): string {
  const cluster = facts.clusters[c.env];
  if (!cluster) {
    throw new InvalidInput(
      `environment: ${c.env} has no cluster; add environments.${c.env}.cluster (name, kubeContext) to the config`,
    );
  }
  if ('release' in c) {
    const ns = facts.releaseNamespaces[c.release];
    if (!ns) {
      const known = Object.keys(facts.releaseNamespaces);
      throw new InvalidInput(
        `release: '${c.release}' is not in the catalog; known releases: ${known.join(', ') || 'none (add releases: to the config)'}`,
      );
    }
    return `${ns}${cluster.namespaceSuffix}`;
  }
  const ns = facts.serviceNamespaces[c.service];
  if (!ns) {
    const known = Object.keys(facts.serviceNamespaces);
    throw new InvalidInput(
      `service: '${c.service}' is not in the catalog; known services: ${known.join(', ') || 'none (add services: to the config)'}`,
    );
  }
  return `${ns}${cluster.namespaceSuffix}`;
}

/**
 * The typed request a Kubernetes read command stands for. Both colours of a service carry the label
 * `app=<service>`; the namespace is the catalog's plus the environment's suffix. Nothing the person typed
 * becomes a flag: the pod name is validated again by the agent (DNS-1123) before kubectl runs.
 */
export function kubeReadRequest(c: KubeReadCommand, facts: KubeFacts): KubeReadRequest {
  const namespace = kubeNamespace(c, facts);
  const environment = c.env;
  switch (c.name) {
    case 'service-pods':
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'get', resource: 'pods', namespace, selector: `app=${c.service}` },
      };
    case 'service-deployments':
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'get', resource: 'deployments', namespace, selector: `app=${c.service}` },
      };
    case 'service-services':
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'get', resource: 'services', namespace, selector: `app=${c.service}` },
      };
    case 'service-events':
      return { environment, tool: 'kubectl', request: { kind: 'events', namespace } };
    case 'pod-logs':
      // Scoped to the service: its pods are named after it (`<service>-<colour>-…`), whatever else shares the namespace.
      if (!c.pod.startsWith(`${c.service}-`)) {
        throw new InvalidInput(
          `pod: '${c.pod}' is not a pod of ${c.service} (its pods are named ${c.service}-…); see: pods ${c.service} ${c.env}`,
        );
      }
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'logs', namespace, pod: c.pod, tailLines: DEFAULT_TAIL_LINES },
      };
    case 'rollout-status':
      // Every Deployment of the service: both colours (`<service>-blue`, `<service>-green`) carry app=<service>.
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'rollout-status', namespace, resource: 'deployment', selector: `app=${c.service}` },
      };
    case 'describe': {
      const { kind, name } = objectRef(c.object);
      if (!OBJECT_REF.test(c.object) || !belongsToService(name, c.service)) {
        throw new InvalidInput(
          `object: '${c.object}' is not one of ${c.service}'s (their names are ${c.service} or ${c.service}-…), e.g. ${serviceObjectExample(kind, c.service)}`,
        );
      }
      return {
        environment,
        tool: 'kubectl',
        request: { kind: 'describe', namespace, resource: DESCRIBE_KINDS[kind], name },
      };
    }
    case 'helm-history':
      return { environment, tool: 'helm', request: { kind: 'helm-history', namespace, release: c.release } };
    case 'helm-diff': {
      const chart = facts.releaseCharts?.[c.release];
      if (!chart) {
        throw new InvalidInput(`release: '${c.release}' has no chart in the catalog; set releases.${c.release}.chart`);
      }
      return { environment, tool: 'helm', request: { kind: 'helm-diff', namespace, release: c.release, ...chart } };
    }
  }
}
