import type { AccessGrant } from '../../core/access';
import type { Action, ElasticLoadBalancingV2Client, Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvalidInput, PermissionDenied, TransientFailure } from '../../core/errors';
import type {
  Colour,
  ReadTrafficResult,
  ServiceTarget,
  SetTrafficInput,
  SetTrafficResult,
  TrafficSpec,
  TrafficWeights,
} from '../../core/rollout/types';
import { COLOURS, checkWeights, fillTemplate } from '../../core/rollout/types';
import type { RolloutDeps } from './deps';
import { regionOf } from './deps';
import type { TrafficRouter } from './traffic-router';

export type AlbTraffic = Extract<TrafficSpec, { kind: 'alb' }>;

/** The concrete names one rollout target's ALB traffic uses, filled in from the TrafficSpec templates. */
export interface AlbNames {
  readonly loadBalancer: string;
  readonly listenerPort: number;
  readonly targetGroups: Readonly<Record<Colour, string>>;
}

/** ALB and target group names: 1–32 letters, digits and hyphens, no hyphen at either end. */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$/;

/**
 * Fills the templates (`{service}`, `{env}`, `{colour}`) and checks the results are names AWS accepts, so a bad
 * template fails with the setting to change instead of an AWS validation error halfway through a rollout.
 */
export function albNames(target: Pick<ServiceTarget, 'environment' | 'service'>, spec: AlbTraffic): AlbNames {
  const setting = `environments.${target.environment}.cluster.traffic`;
  const v = { service: target.service, env: target.environment };
  const check = (field: string, template: string, name: string, what: string): string => {
    if (!ELB_NAME.test(name) || (what === 'load balancer' && name.startsWith('internal-'))) {
      throw new InvalidInput(
        `${setting}.${field}: '${template}' gives '${name}' for service ${target.service}, which is not a valid ` +
          `${what} name (1-32 letters, digits and hyphens, not starting or ending with a hyphen` +
          `${what === 'load balancer' ? ", not starting with 'internal-'" : ''}); shorten the template or the service name`,
      );
    }
    return name;
  };
  const loadBalancer = check(
    'loadBalancerName',
    spec.loadBalancerName,
    fillTemplate(spec.loadBalancerName, v),
    'load balancer',
  );
  const tg = (colour: Colour): string =>
    check(
      'targetGroupName',
      spec.targetGroupName,
      fillTemplate(spec.targetGroupName, { ...v, colour }),
      'target group',
    );
  const targetGroups = { blue: tg('blue'), green: tg('green') };
  if (targetGroups.blue === targetGroups.green) {
    throw new InvalidInput(
      `${setting}.targetGroupName: '${spec.targetGroupName}' gives the same name for blue and green; ` +
        `put {colour} in it, e.g. '{service}-{env}-{colour}'`,
    );
  }
  if (!Number.isInteger(spec.listenerPort) || spec.listenerPort < 1 || spec.listenerPort > 65535) {
    throw new InvalidInput(`${setting}.listenerPort: ${spec.listenerPort} is not a port; use e.g. 443`);
  }
  return { loadBalancer, listenerPort: spec.listenerPort, targetGroups };
}

/**
 * Turns an AWS SDK failure into the shared vocabulary: no permission → PermissionDenied (retrying will not help),
 * throttling / 5xx / network → TransientFailure (Temporal retries the activity); anything else is rethrown.
 */
export function rethrowAws(e: unknown, doing: string): never {
  if (!(e instanceof Error)) throw e;
  const err = e as Error & { $metadata?: { httpStatusCode?: number }; code?: string };
  const text = `${doing}: ${err.name}: ${err.message}`;
  if (
    /AccessDenied|UnauthorizedOperation|NotAuthorized|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch/.test(
      err.name,
    )
  ) {
    throw new PermissionDenied(`${text}; give the worker's AWS identity this permission`);
  }
  const status = err.$metadata?.httpStatusCode ?? 0;
  if (
    status >= 500 ||
    /Throttl|TooManyRequests|RequestLimitExceeded|Timeout|ServiceUnavailable/.test(err.name) ||
    /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up/.test(`${err.code ?? ''} ${err.message}`)
  ) {
    throw new TransientFailure(text);
  }
  throw e;
}

interface AlbState {
  readonly elb: ElasticLoadBalancingV2Client;
  readonly names: AlbNames;
  readonly region: string;
  readonly listener: Listener & { ListenerArn: string };
  readonly targetGroupArns: Readonly<Record<Colour, string>>;
  /** Index of the forward action in the listener's default actions. */
  readonly forwardIndex: number;
  readonly weights: TrafficWeights;
  /** Set when the client runs as the approver under the grant. */
  readonly assumedRoleArn?: string;
}

function recipe(names: AlbNames): string {
  return (
    `an application load balancer '${names.loadBalancer}' with a listener on port ${names.listenerPort} whose ` +
    `default action forwards to target groups '${names.targetGroups.blue}' and '${names.targetGroups.green}' ` +
    `(in the sandbox, 'npm run sandbox -- up' creates them)`
  );
}

async function findTargetGroupArn(
  elb: ElasticLoadBalancingV2Client,
  names: AlbNames,
  colour: Colour,
  region: string,
  vpc: string | undefined,
): Promise<string> {
  const name = names.targetGroups[colour];
  try {
    const out = await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }));
    const arn = out.TargetGroups?.[0]?.TargetGroupArn;
    if (arn) return arn;
  } catch (e) {
    if ((e as Error).name !== 'TargetGroupNotFoundException') rethrowAws(e, `describing target group ${name}`);
  }
  throw new InvalidInput(
    `traffic: target group '${name}' (the ${colour} colour) does not exist in ${region}; create it (protocol HTTP, ` +
      `target type ip${vpc ? `, in the load balancer's VPC ${vpc}` : ''}) for ${recipe(names)}`,
  );
}

/** Finds the load balancer, listener and both target groups, and reads the listener's current split. */
async function resolveAlb(
  deps: RolloutDeps,
  target: ServiceTarget,
  spec: AlbTraffic,
  grant?: AccessGrant,
): Promise<AlbState> {
  const names = albNames(target, spec);
  const region = regionOf(deps, target.environment);
  const granted = grant ? await grantedCredentials(deps, grant, region) : undefined;
  const elb = deps.aws.elbv2({ region, ...(granted ? { credentials: granted.credentials } : {}) });
  let lbArn: string | undefined;
  let vpc: string | undefined;
  try {
    const out = await elb.send(new DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }));
    const lb = out.LoadBalancers?.[0];
    if (lb && lb.Type && lb.Type !== 'application') {
      throw new InvalidInput(
        `traffic: load balancer '${names.loadBalancer}' in ${region} is a ${lb.Type} load balancer; weighted ` +
          `target groups need ${recipe(names)}`,
      );
    }
    lbArn = lb?.LoadBalancerArn;
    vpc = lb?.VpcId;
  } catch (e) {
    if (e instanceof InvalidInput) throw e;
    if ((e as Error).name !== 'LoadBalancerNotFoundException')
      rethrowAws(e, `describing load balancer ${names.loadBalancer}`);
  }
  if (!lbArn) {
    throw new InvalidInput(
      `traffic: load balancer '${names.loadBalancer}' does not exist in ${region} (environment ${target.environment}, ` +
        `service ${target.service}); create ${recipe(names)}`,
    );
  }

  const listeners: Listener[] = [];
  try {
    let marker: string | undefined;
    do {
      const out = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn, Marker: marker }));
      listeners.push(...(out.Listeners ?? []));
      marker = out.NextMarker;
    } while (marker);
  } catch (e) {
    rethrowAws(e, `describing the listeners of ${names.loadBalancer}`);
  }
  const listener = listeners.find((l) => l.Port === names.listenerPort);
  if (!listener?.ListenerArn) {
    const ports = listeners.map((l) => l.Port).filter((p) => p !== undefined);
    throw new InvalidInput(
      `traffic: load balancer '${names.loadBalancer}' has no listener on port ${names.listenerPort} ` +
        `(${ports.length ? `it listens on ${ports.join(', ')}` : 'it has no listeners'}); add a listener on port ` +
        `${names.listenerPort} whose default action forwards to target groups '${names.targetGroups.blue}' and ` +
        `'${names.targetGroups.green}', or change environments.${target.environment}.cluster.traffic.listenerPort`,
    );
  }

  const targetGroupArns = {
    blue: await findTargetGroupArn(elb, names, 'blue', region, vpc),
    green: await findTargetGroupArn(elb, names, 'green', region, vpc),
  };

  const actions = listener.DefaultActions ?? [];
  const forwardIndex = actions.findIndex((a) => a.Type === 'forward');
  const where = `listener port ${names.listenerPort} of load balancer '${names.loadBalancer}'`;
  if (forwardIndex < 0) {
    throw new InvalidInput(
      `traffic: the ${where} does not forward (default action: ${actions.map((a) => a.Type).join(', ') || 'none'}); ` +
        `make its default action forward to target groups '${names.targetGroups.blue}' and '${names.targetGroups.green}'`,
    );
  }
  const forward = actions[forwardIndex]!;
  const entries = forward.ForwardConfig?.TargetGroups?.length
    ? forward.ForwardConfig.TargetGroups.map((g) => ({ arn: g.TargetGroupArn, weight: g.Weight ?? 1 }))
    : [{ arn: forward.TargetGroupArn, weight: 1 }];
  const raw = { blue: 0, green: 0 };
  for (const { arn, weight } of entries) {
    const colour = COLOURS.find((c) => targetGroupArns[c] === arn);
    if (colour) raw[colour] += weight;
    else if (weight > 0) {
      throw new InvalidInput(
        `traffic: the ${where} forwards to target group ${arn ?? '(none)'}, which is neither ` +
          `'${names.targetGroups.blue}' nor '${names.targetGroups.green}'; point its default action at those two ` +
          `(blue/green weights) before rolling out`,
      );
    }
  }
  const total = raw.blue + raw.green;
  if (total <= 0) {
    throw new InvalidInput(
      `traffic: the ${where} forwards with weight 0 to both '${names.targetGroups.blue}' and ` +
        `'${names.targetGroups.green}'; give the live colour weight 100`,
    );
  }
  const blue = Math.round((100 * raw.blue) / total);
  return {
    elb,
    names,
    region,
    listener: { ...listener, ListenerArn: listener.ListenerArn },
    targetGroupArns,
    forwardIndex,
    weights: { blue, green: 100 - blue },
    ...(granted ? { assumedRoleArn: granted.assumedRoleArn } : {}),
  };
}

/** The listener's blue/green split in percent (a plain forward to one target group = that colour 100%). */
export async function readAlbTraffic(
  deps: RolloutDeps,
  target: ServiceTarget,
  spec: AlbTraffic,
): Promise<ReadTrafficResult> {
  const state = await resolveAlb(deps, target, spec);
  return { exists: true, weights: state.weights };
}

/**
 * Sets the listener's default forward action to both target groups with the given weights (0 included, so the
 * idle colour stays attached). Reads first: an equal split is `changed: false`. Setting absolute weights is
 * idempotent, so a retry after an unknown outcome is safe.
 */
export async function setAlbTraffic(
  deps: RolloutDeps,
  input: SetTrafficInput,
  spec: AlbTraffic,
): Promise<SetTrafficResult> {
  checkWeights(input.weights);
  const state = await resolveAlb(deps, input.target, spec, input.grant);
  const previous = state.weights;
  if (previous.blue === input.weights.blue && previous.green === input.weights.green) {
    return { changed: false, previous };
  }
  const old = state.listener.DefaultActions ?? [];
  const forward: Action = {
    Type: 'forward',
    ...(old[state.forwardIndex]?.Order !== undefined ? { Order: old[state.forwardIndex]!.Order } : {}),
    ForwardConfig: {
      TargetGroups: COLOURS.map((c) => ({ TargetGroupArn: state.targetGroupArns[c], Weight: input.weights[c] })),
      ...(old[state.forwardIndex]?.ForwardConfig?.TargetGroupStickinessConfig
        ? { TargetGroupStickinessConfig: old[state.forwardIndex]!.ForwardConfig!.TargetGroupStickinessConfig }
        : {}),
    },
  };
  // Other default actions (e.g. authentication before the forward) are kept as they are.
  const actions = old.map((a, i): Action => {
    if (i === state.forwardIndex) return forward;
    if (a.AuthenticateOidcConfig) {
      return { ...a, AuthenticateOidcConfig: { ...a.AuthenticateOidcConfig, UseExistingClientSecret: true } };
    }
    return a;
  });
  const what = `setting blue ${input.weights.blue}% / green ${input.weights.green}% on listener port ${state.names.listenerPort} of ${state.names.loadBalancer}`;
  try {
    await state.elb.send(
      new ModifyListenerCommand({ ListenerArn: state.listener.ListenerArn, DefaultActions: actions }),
    );
  } catch (e) {
    rethrowAws(e, what);
  }
  return { changed: true, previous, ...(state.assumedRoleArn ? { assumedRoleArn: state.assumedRoleArn } : {}) };
}

/** The approver's credentials under the deploy role; without a broker a granted change is refused (fails closed). */
async function grantedCredentials(deps: RolloutDeps, grant: AccessGrant, region: string) {
  if (!deps.broker) throw new PermissionDenied(`no credential broker configured to assume ${grant.roleArn}`);
  return deps.broker.credentialsFor(grant, region);
}

/** The ALB router of one service: the listener's weighted forward to the two colours' target groups. */
export function albRouter(deps: RolloutDeps, target: ServiceTarget, spec: AlbTraffic): TrafficRouter {
  return {
    read: () => readAlbTraffic(deps, target, spec),
    set: (weights, operationId, grant) =>
      setAlbTraffic(deps, { target, traffic: spec, weights, operationId, ...(grant ? { grant } : {}) }, spec),
  };
}
