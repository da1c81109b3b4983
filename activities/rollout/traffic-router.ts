import type { AccessGrant } from '../../core/access';
import type {
  ReadTrafficResult,
  ServiceTarget,
  SetTrafficResult,
  TrafficSpec,
  TrafficWeights,
} from '../../core/rollout/types';
import { checkWeights } from '../../core/rollout/types';
import { albRouter } from './alb';
import type { RolloutDeps } from './deps';
import { istioRouter } from './istio';

/**
 * One service's traffic router: where its blue/green split lives and how it is read and set. Each kind of router is
 * a module of its own behind this interface (as Argo Rollouts splits its traffic routers): `istio.ts` (VirtualService
 * weights) and `alb.ts` (ALB weighted target groups). Weights are checked once, by `setTraffic`, before any router
 * is touched.
 */
export interface TrafficRouter {
  /** The split now; `exists: false` before the first rollout created the router. */
  read(): Promise<ReadTrafficResult>;
  /**
   * Sets both weights (even a 0). Reads first: an equal split writes nothing (`changed: false`). Setting absolute
   * weights is idempotent, so a retry after an unknown outcome is safe.
   */
  set(weights: TrafficWeights, operationId: string, grant?: AccessGrant): Promise<SetTrafficResult>;
}

/** The router the environment's `cluster.traffic` names, for one service. */
export function trafficRouter(deps: RolloutDeps, target: ServiceTarget, spec: TrafficSpec): TrafficRouter {
  switch (spec.kind) {
    case 'istio':
      return istioRouter(deps, target);
    case 'alb':
      return albRouter(deps, target, spec);
  }
}

/** Reads the split through the environment's router. */
export function readTrafficVia(
  deps: RolloutDeps,
  target: ServiceTarget,
  spec: TrafficSpec,
): Promise<ReadTrafficResult> {
  return trafficRouter(deps, target, spec).read();
}

/** Checks the weights (the one weight check), then sets them through the environment's router. */
export function setTrafficVia(
  deps: RolloutDeps,
  input: {
    readonly target: ServiceTarget;
    readonly traffic: TrafficSpec;
    readonly weights: TrafficWeights;
    readonly operationId: string;
    readonly grant?: AccessGrant;
  },
): Promise<SetTrafficResult> {
  checkWeights(input.weights);
  return trafficRouter(deps, input.target, input.traffic).set(input.weights, input.operationId, input.grant);
}
