import type { ServiceTarget, TrafficSpec, TrafficWeights } from './types';
import { fillTemplate } from './types';

/**
 * How a person puts traffic back by hand when infra-agent could not (the TRAFFIC SPLIT outcome): the exact command
 * for the environment's router, with the weights to set. Pure, so the workflow can say it without reaching the
 * cluster or AWS that just failed it.
 */
export function manualRestoreText(target: ServiceTarget, traffic: TrafficSpec, weights: TrafficWeights): string {
  const blue = `${target.service}-blue`;
  const green = `${target.service}-green`;
  if (traffic.kind === 'istio') {
    const patch = JSON.stringify({
      spec: {
        http: [
          {
            name: 'blue-green',
            route: [
              { destination: { host: blue }, weight: weights.blue },
              { destination: { host: green }, weight: weights.green },
            ],
          },
        ],
      },
    });
    return (
      `kubectl --context <the ${target.environment} cluster's context> --namespace ${target.namespace} ` +
      `patch virtualservice ${target.service} --type merge -p '${patch}'`
    );
  }
  const v = { service: target.service, env: target.environment };
  const lb = fillTemplate(traffic.loadBalancerName, v);
  const tg = (colour: 'blue' | 'green') => fillTemplate(traffic.targetGroupName, { ...v, colour });
  return (
    `aws elbv2 modify-listener on the listener on port ${traffic.listenerPort} of load balancer '${lb}' ` +
    `(${target.environment}): default action forward to target group '${tg('blue')}' weight ${weights.blue} and ` +
    `'${tg('green')}' weight ${weights.green}`
  );
}
