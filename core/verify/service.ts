import type { ServiceLiveState } from '../drift/kubernetes';
import type { EnvironmentName } from '../environments';
import type { VerifyCheck, VerifyReport } from './report';
import { notDeployed, verifyReport } from './report';

/** Said on every service verification until the catalog can name an HTTP health endpoint per service. */
export const NO_HTTP_PROBE =
  'HTTP probe: not configured (the services: catalog names no health endpoint yet); pods Ready is the health check';

/**
 * `verify service {service} {env}`: the live colour (the one the router sends most traffic to) has its Deployment
 * with every desired replica Ready, all its pods Ready, and the image its last rollout applied (the
 * `infra-agent/applied-image` annotation, see core/drift/kubernetes.ts).
 */
export function buildServiceVerifyReport(environment: EnvironmentName, s: ServiceLiveState): VerifyReport {
  const base = {
    kind: 'service' as const,
    environment,
    subject: s.service,
    target: s.namespace,
    checkedAt: s.checkedAt,
  };
  const w = s.weights;
  if (!w || w.blue + w.green === 0)
    return notDeployed(base, `service ${s.service} has never been rolled out to ${environment} (no traffic split)`);
  const liveColour = w.green > w.blue ? 'green' : 'blue';
  const c = s.colours.find((x) => x.colour === liveColour);
  const which = `live colour ${liveColour} (${w[liveColour]}% of the traffic)`;
  if (!c?.exists) {
    return verifyReport(base, [
      { name: 'deployment', passed: false, detail: `${which}: its Deployment ${s.service}-${liveColour} is gone` },
    ]);
  }
  const desired = c.replicas ?? 0;
  const ready = c.readyReplicas ?? 0;
  const pods = c.pods ?? 0;
  const podsReady = c.podsReady ?? 0;
  const applied = c.recorded?.image;
  const checks: VerifyCheck[] = [
    { name: 'deployment', passed: true, detail: `${which}: ${c.name}` },
    {
      name: 'replicas Ready',
      passed: ready === desired && desired > 0,
      detail: `${ready} of ${desired} desired replicas Ready`,
    },
    {
      name: 'pods Ready',
      passed: pods > 0 && podsReady === pods,
      detail: `${podsReady} of ${pods} pods Ready${c.podProblem ? ` — ${c.podProblem}` : ''}`,
    },
    applied
      ? {
          name: 'image',
          passed: c.image === applied,
          detail:
            c.image === applied
              ? `${applied} (as the last rollout applied)`
              : `${c.image ?? '(none)'}, the last rollout applied ${applied}`,
        }
      : {
          name: 'image',
          passed: false,
          detail: `${c.image ?? '(none)'}: no rollout recorded what it applied on ${c.name}, so it cannot be verified`,
        },
  ];
  return verifyReport(base, checks, [NO_HTTP_PROBE]);
}
