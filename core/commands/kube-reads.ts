import type { AppConfig } from '../config';
import type { EnvironmentName } from '../environments';
import { ENVIRONMENTS } from '../environments';
import { InvalidInput } from '../errors';
import type { HelmHistoryRequest, KubectlReadRequest } from '../k8s/request';
import { DEFAULT_TAIL_LINES } from '../k8s/request';
import type { Command, KubeReadCommand } from './types';

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
    clusters,
  };
}

const KUBE_READS: ReadonlySet<string> = new Set([
  'service-pods',
  'service-events',
  'service-deployments',
  'pod-logs',
  'helm-history',
]);

export const isKubeRead = (c: Command): c is KubeReadCommand => KUBE_READS.has(c.name);

/** One read for one environment's cluster: a kubectl read (k8sRead) or helm history (helmRead). */
export type KubeReadRequest =
  | { readonly environment: EnvironmentName; readonly tool: 'kubectl'; readonly request: KubectlReadRequest }
  | { readonly environment: EnvironmentName; readonly tool: 'helm'; readonly request: HelmHistoryRequest };

/** The namespace a command reads in `env`, or InvalidInput naming what to configure. */
export function kubeNamespace(c: KubeReadCommand, facts: KubeFacts): string {
  const cluster = facts.clusters[c.env];
  if (!cluster) {
    throw new InvalidInput(
      `environment: ${c.env} has no cluster; add environments.${c.env}.cluster (name, kubeContext) to the config`,
    );
  }
  if (c.name === 'helm-history') {
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
    case 'helm-history':
      return { environment, tool: 'helm', request: { kind: 'helm-history', namespace, release: c.release } };
  }
}
