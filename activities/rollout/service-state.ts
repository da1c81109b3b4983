import type { DeploymentObject } from '../../adapters/k8s/bluegreen';
import {
  ANNOTATION_APPLIED_ENV,
  ANNOTATION_APPLIED_IMAGE,
  ANNOTATION_APPLIED_REPLICAS,
  colourName,
  colourSelector,
  getObjects,
  listPods,
  podProblem,
  podReady,
} from '../../adapters/k8s/bluegreen';
import type { LiveColour, ServiceLiveState } from '../../core/drift/kubernetes';
import { otherManagers } from '../../core/drift/kubernetes';
import type { Colour, ServiceTarget, TrafficSpec } from '../../core/rollout/types';
import { kubectlFor } from './colours';
import type { RolloutDeps } from './deps';
import { readTrafficVia } from './traffic-router';

/** Input of `readServiceState`: the service's target and its environment's traffic router. */
export interface ReadServiceStateInput {
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
}

type LiveDeployment = DeploymentObject & {
  readonly metadata: DeploymentObject['metadata'] & {
    readonly managedFields?: readonly { manager?: string; operation?: string; time?: string; subresource?: string }[];
  };
};

const COLOURS: readonly Colour[] = ['blue', 'green'];

function envOf(d: DeploymentObject, service: string): Record<string, string> {
  const cs = d.spec?.template?.spec?.containers ?? [];
  const c = cs.find((x) => x.name === service) ?? cs[0];
  return Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value ?? '(from a reference)']));
}

/**
 * A rollout service as it runs (read only): both colours' Deployments with what the last rollout recorded on them
 * (`infra-agent/applied-*`), their pods' readiness, who else wrote them (managedFields), and the traffic split.
 * Used by `drift service` (live vs recorded) and `verify service` (available, expected image, pods Ready).
 */
export async function readServiceState(deps: RolloutDeps, input: ReadServiceStateInput): Promise<ServiceLiveState> {
  const { service, namespace } = input.target;
  const k = await kubectlFor(deps, input.target);
  const names = COLOURS.map((c) => colourName(service, c));
  const found = await getObjects<LiveDeployment>(k, 'deployment', names, namespace);
  const traffic = await readTrafficVia(deps, input.target, input.traffic);
  const colours: LiveColour[] = [];
  for (const colour of COLOURS) {
    const name = colourName(service, colour);
    const d = found.find((x) => x.metadata.name === name && !x.metadata.deletionTimestamp);
    if (!d) {
      colours.push({ colour, name, exists: false });
      continue;
    }
    const a = d.metadata.annotations ?? {};
    const cs = d.spec?.template?.spec?.containers ?? [];
    const c = cs.find((x) => x.name === service) ?? cs[0];
    const pods = (await listPods(k, namespace, colourSelector(service, colour))).filter(
      (p) => !p.metadata.deletionTimestamp,
    );
    const problem = pods.map(podProblem).find((p) => p !== undefined);
    const managers = otherManagers(d.metadata.managedFields);
    colours.push({
      colour,
      name,
      exists: true,
      ...(c?.image ? { image: c.image } : {}),
      replicas: d.spec?.replicas ?? 1,
      env: envOf(d, service),
      readyReplicas: d.status?.readyReplicas ?? 0,
      availableReplicas: d.status?.availableReplicas ?? 0,
      pods: pods.length,
      podsReady: pods.filter(podReady).length,
      ...(problem ? { podProblem: problem } : {}),
      ...(a[ANNOTATION_APPLIED_IMAGE]
        ? {
            recorded: {
              image: a[ANNOTATION_APPLIED_IMAGE],
              ...(a[ANNOTATION_APPLIED_REPLICAS] !== undefined ? { replicas: a[ANNOTATION_APPLIED_REPLICAS] } : {}),
              ...(a[ANNOTATION_APPLIED_ENV] !== undefined ? { env: a[ANNOTATION_APPLIED_ENV] } : {}),
            },
          }
        : {}),
      ...(managers.length ? { otherManagers: managers } : {}),
    });
  }
  return {
    service,
    namespace,
    checkedAt: new Date().toISOString(),
    colours,
    ...(traffic.exists ? { weights: traffic.weights } : {}),
  };
}
