import type { HelmReadRequest, HelmWriteRequest, K8sRequest, K8sRequestKind, KubectlReadRequest } from './request';

/** Whether a request only looks (runs at once) or changes the cluster (needs approval per environment policy). */
export type K8sAccess = 'read' | 'write';

/**
 * The access of every kind, decided by code and never by the model: a `Record` over the union, so adding a kind
 * without classifying it is a compile error.
 */
export const ACCESS_BY_KIND: Readonly<Record<K8sRequestKind, K8sAccess>> = {
  get: 'read',
  describe: 'read',
  events: 'read',
  logs: 'read',
  'rollout-status': 'read',
  'helm-history': 'read',
  'helm-diff': 'read',
  'helm-install': 'write',
  'helm-upgrade': 'write',
  'helm-rollback': 'write',
};

/** 'read' or 'write' for a request. */
export function classify(request: Pick<K8sRequest, 'kind'>): K8sAccess {
  return ACCESS_BY_KIND[request.kind];
}

export function isKubectlRead(r: K8sRequest): r is KubectlReadRequest {
  return (
    r.kind === 'get' || r.kind === 'describe' || r.kind === 'events' || r.kind === 'logs' || r.kind === 'rollout-status'
  );
}

export function isHelmRead(r: K8sRequest): r is HelmReadRequest {
  return r.kind === 'helm-history' || r.kind === 'helm-diff';
}

export function isHelmWrite(r: K8sRequest): r is HelmWriteRequest {
  return classify(r) === 'write';
}
