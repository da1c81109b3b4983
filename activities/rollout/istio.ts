import type { KubectlRunner, VirtualServiceObject } from '../../adapters/k8s/bluegreen';
import {
  applyManifests,
  colourName,
  ensureNamespace,
  getObject,
  virtualServiceManifest,
  virtualServiceWeights,
} from '../../adapters/k8s/bluegreen';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type { ReadTrafficResult, ServiceTarget, SetTrafficInput, SetTrafficResult } from '../../core/rollout/types';
import { checkWeights } from '../../core/rollout/types';
import { kubectlFor } from './colours';
import type { RolloutDeps } from './deps';
import type { TrafficRouter } from './traffic-router';

/** Before the first rollout there is no VirtualService: all traffic is taken to be on blue. */
const NO_ROUTER: ReadTrafficResult = { exists: false, weights: { blue: 100, green: 0 } };

/** Without Istio's CRD kubectl does not know the kind; retrying cannot fix that, so say what to install. */
function noIstio(e: unknown): Error {
  const text = e instanceof Error ? e.message : String(e);
  if (!/doesn't have a resource type|no matches for kind|resource mapping not found/i.test(text)) return e as Error;
  return new ToolMissing(
    `the cluster has no Istio VirtualService (CRD virtualservices.networking.istio.io): install Istio there ` +
      `(the local sandbox installs sandbox/kube/crds with npm run sandbox -- up), or set the environment's ` +
      `cluster.traffic to kind alb. kubectl said: ${text}`,
  );
}

async function read(k: KubectlRunner, t: ServiceTarget): Promise<ReadTrafficResult> {
  const vs = await getObject<VirtualServiceObject>(k, 'virtualservice', t.service, t.namespace).catch((e: unknown) => {
    throw noIstio(e);
  });
  if (!vs) return NO_ROUTER;
  const weights = virtualServiceWeights(vs, t.service);
  if (!weights) {
    throw new InvalidInput(
      `VirtualService ${t.namespace}/${t.service} exists but its first http route sends nothing to ` +
        `${colourName(t.service, 'blue')} or ${colourName(t.service, 'green')}; it was not made by infra-agent. ` +
        `Move it aside (or route it to those two hosts) before rolling out ${t.service}`,
    );
  }
  return { exists: true, weights };
}

/** The split of the VirtualService `<service>` (its first http route's blue and green weights). */
export async function readIstioTraffic(deps: RolloutDeps, t: ServiceTarget): Promise<ReadTrafficResult> {
  return read(await kubectlFor(deps, t), t);
}

/**
 * Sets both weights (even a 0), creating the VirtualService (and namespace) when missing. Reads first: equal weights
 * on an existing VirtualService write nothing (`changed: false`). Weights must be whole percentages adding up to 100.
 */
export async function setIstioTraffic(deps: RolloutDeps, input: SetTrafficInput): Promise<SetTrafficResult> {
  const t = input.target;
  checkWeights(input.weights);
  const manifest = virtualServiceManifest({
    namespace: t.namespace,
    service: t.service,
    weights: input.weights,
    operationId: input.operationId,
  });
  const k = await kubectlFor(deps, t);
  const current = await read(k, t);
  const same = current.weights.blue === input.weights.blue && current.weights.green === input.weights.green;
  if (current.exists && same) return { changed: false, previous: current.weights };
  if (!current.exists) await ensureNamespace(k, t.namespace);
  await applyManifests(k, [manifest]).catch((e: unknown) => {
    throw noIstio(e);
  });
  return { changed: true, previous: current.weights };
}

/** The Istio router of one service: the VirtualService `<service>` in its namespace. */
export function istioRouter(deps: RolloutDeps, target: ServiceTarget): TrafficRouter {
  return {
    read: () => readIstioTraffic(deps, target),
    set: (weights, operationId) => setIstioTraffic(deps, { target, traffic: { kind: 'istio' }, weights, operationId }),
  };
}
