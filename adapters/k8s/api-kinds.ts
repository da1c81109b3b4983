import type { ResourceKind } from '../../core/k8s/request';
import type { KubeApiClients } from './client-node';

/** A list as the API returns it; items are client-node objects (or plain JSON for custom resources). */
export interface ApiList {
  readonly items?: readonly unknown[];
}

/** How to list and read one allowed kind with the typed clients. */
export interface ApiKind {
  /** `Pod`: the kind events name in `involvedObject.kind`. */
  readonly kind: string;
  /** `pod`: how messages name one object. */
  readonly singular: string;
  /** Cluster-scoped kinds (nodes, namespaces) ignore the namespace. */
  readonly namespaced: boolean;
  list(c: KubeApiClients, namespace: string, labelSelector: string | undefined): Promise<ApiList>;
  read(c: KubeApiClients, namespace: string, name: string): Promise<unknown>;
}

/** Istio's kinds are CRDs: read through the custom objects API at the version the rollout code uses. */
const istio = (plural: string, kind: string, singular: string): ApiKind => {
  const ref = { group: 'networking.istio.io', version: 'v1beta1', plural };
  return {
    kind,
    singular,
    namespaced: true,
    list: (c, namespace, labelSelector) =>
      c.custom.listNamespacedCustomObject({ ...ref, namespace, labelSelector }) as Promise<ApiList>,
    read: (c, namespace, name) => c.custom.getNamespacedCustomObject({ ...ref, namespace, name }),
  };
};

/** Every kind in RESOURCE_KINDS: a `Record` over the union, so a kind added there without an API here fails to compile. */
export const API_KINDS: Readonly<Record<ResourceKind, ApiKind>> = {
  pods: {
    kind: 'Pod',
    singular: 'pod',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedPod({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedPod({ namespace, name }),
  },
  deployments: {
    kind: 'Deployment',
    singular: 'deployment',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.apps.listNamespacedDeployment({ namespace, labelSelector }),
    read: (c, namespace, name) => c.apps.readNamespacedDeployment({ namespace, name }),
  },
  replicasets: {
    kind: 'ReplicaSet',
    singular: 'replicaset',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    read: (c, namespace, name) => c.apps.readNamespacedReplicaSet({ namespace, name }),
  },
  statefulsets: {
    kind: 'StatefulSet',
    singular: 'statefulset',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.apps.listNamespacedStatefulSet({ namespace, labelSelector }),
    read: (c, namespace, name) => c.apps.readNamespacedStatefulSet({ namespace, name }),
  },
  daemonsets: {
    kind: 'DaemonSet',
    singular: 'daemonset',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.apps.listNamespacedDaemonSet({ namespace, labelSelector }),
    read: (c, namespace, name) => c.apps.readNamespacedDaemonSet({ namespace, name }),
  },
  services: {
    kind: 'Service',
    singular: 'service',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedService({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedService({ namespace, name }),
  },
  endpoints: {
    kind: 'Endpoints',
    singular: 'endpoints',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedEndpoints({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedEndpoints({ namespace, name }),
  },
  configmaps: {
    kind: 'ConfigMap',
    singular: 'configmap',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedConfigMap({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedConfigMap({ namespace, name }),
  },
  jobs: {
    kind: 'Job',
    singular: 'job',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.batch.listNamespacedJob({ namespace, labelSelector }),
    read: (c, namespace, name) => c.batch.readNamespacedJob({ namespace, name }),
  },
  cronjobs: {
    kind: 'CronJob',
    singular: 'cronjob',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.batch.listNamespacedCronJob({ namespace, labelSelector }),
    read: (c, namespace, name) => c.batch.readNamespacedCronJob({ namespace, name }),
  },
  ingresses: {
    kind: 'Ingress',
    singular: 'ingress',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.networking.listNamespacedIngress({ namespace, labelSelector }),
    read: (c, namespace, name) => c.networking.readNamespacedIngress({ namespace, name }),
  },
  nodes: {
    kind: 'Node',
    singular: 'node',
    namespaced: false,
    list: (c, _namespace, labelSelector) => c.core.listNode({ labelSelector }),
    read: (c, _namespace, name) => c.core.readNode({ name }),
  },
  namespaces: {
    kind: 'Namespace',
    singular: 'namespace',
    namespaced: false,
    list: (c, _namespace, labelSelector) => c.core.listNamespace({ labelSelector }),
    read: (c, _namespace, name) => c.core.readNamespace({ name }),
  },
  events: {
    kind: 'Event',
    singular: 'event',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedEvent({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedEvent({ namespace, name }),
  },
  horizontalpodautoscalers: {
    kind: 'HorizontalPodAutoscaler',
    singular: 'horizontalpodautoscaler',
    namespaced: true,
    list: (c, namespace, labelSelector) =>
      c.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace, labelSelector }),
    read: (c, namespace, name) => c.autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name }),
  },
  persistentvolumeclaims: {
    kind: 'PersistentVolumeClaim',
    singular: 'persistentvolumeclaim',
    namespaced: true,
    list: (c, namespace, labelSelector) => c.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }),
    read: (c, namespace, name) => c.core.readNamespacedPersistentVolumeClaim({ namespace, name }),
  },
  virtualservices: istio('virtualservices', 'VirtualService', 'virtualservice'),
  destinationrules: istio('destinationrules', 'DestinationRule', 'destinationrule'),
};
