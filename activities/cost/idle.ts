import type { CloudWatchClient, Dimension } from '@aws-sdk/client-cloudwatch';
import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { EC2Client, Tag } from '@aws-sdk/client-ec2';
import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNatGatewaysCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeLoadBalancersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import { kubeApiClients } from '../../adapters/k8s/client-node';
import { checkKubeTarget } from '../../adapters/k8s/target';
import type { FindIdleInput, IdleReport, IdleResource } from '../../core/cost/idle';
import {
  buildIdleReport,
  KEEP_UNTIL_TAG,
  keptAt,
  parseQuantity,
  snapshotCost,
  volumeCost,
  workloadCost,
} from '../../core/cost/idle';
import type { K8sDeps } from '../k8s';
import { ENVIRONMENT_TAG } from './cost-report';

export interface IdleDeps {
  readonly aws: AwsClientFactory;
  readonly k8s?: K8sDeps;
}

const DAY_MS = 86_400_000;
const tagOf = (tags: readonly Tag[] | undefined, key: string): string | undefined =>
  tags?.find((t) => t.Key === key)?.Value;
const days = (ms: number): number => Math.floor(ms / DAY_MS);

/**
 * Read-only: what in the environment costs money and does nothing — AWS resources tagged `Environment=<env>` in
 * its region, and the Deployments and Services of its namespaces. A check that cannot run is listed as unchecked;
 * the others still report.
 */
export function createIdleActivities(deps: IdleDeps) {
  return {
    async findIdleResources(input: FindIdleInput): Promise<IdleReport> {
      const now = Date.parse(input.nowIso);
      const ec2 = deps.aws.ec2({ region: input.region });
      const elb = deps.aws.elbv2({ region: input.region });
      const cw = deps.aws.cloudWatch({ region: input.region });
      const found: IdleResource[] = [];
      const unchecked: string[] = [];
      const checks: [string, () => Promise<IdleResource[]>][] = [
        ['EBS volumes', () => unattachedVolumes(ec2, input, now)],
        ['Elastic IPs', () => unassociatedAddresses(ec2, input, now)],
        ['stopped instances', () => stoppedInstances(ec2, input, now)],
        ['snapshots', () => oldSnapshots(ec2, input, now)],
        ['load balancers', () => idleLoadBalancers(elb, cw, input, now)],
        ['NAT gateways', () => idleNatGateways(ec2, cw, input, now)],
        ['Kubernetes', () => idleWorkloads(deps.k8s, input)],
      ];
      for (const [what, check] of checks) {
        try {
          found.push(...(await check()));
        } catch (e) {
          unchecked.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return buildIdleReport(input.environment, input.nowIso, found, unchecked);
    },
  };
}

const inEnv = (tags: readonly Tag[] | undefined, env: string): boolean => tagOf(tags, ENVIRONMENT_TAG) === env;
const kept = (tags: readonly Tag[] | undefined, now: number): { keepUntil?: string } => {
  const k = tagOf(tags, KEEP_UNTIL_TAG);
  return k && keptAt(k, now) ? { keepUntil: k } : {};
};
const named = (tags: readonly Tag[] | undefined): { name?: string } => {
  const n = tagOf(tags, 'Name');
  return n ? { name: n } : {};
};

async function unattachedVolumes(ec2: EC2Client, input: FindIdleInput, now: number): Promise<IdleResource[]> {
  const out: IdleResource[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'status', Values: ['available'] }], NextToken: token }),
    );
    for (const v of page.Volumes ?? []) {
      if (!v.VolumeId || !inEnv(v.Tags, input.environment)) continue;
      const { cost, basis } = volumeCost(input.settings.prices, v.Size ?? 0, v.VolumeType ?? 'gp2');
      const created = v.CreateTime ? `created ${v.CreateTime.toISOString().slice(0, 10)}` : 'creation time unknown';
      out.push({
        kind: 'volume',
        id: v.VolumeId,
        ...named(v.Tags),
        monthlyCost: cost,
        costBasis: basis,
        evidence: [
          `state available: attached to nothing (${created}, ${days(now - (v.CreateTime?.getTime() ?? now))} days ago)`,
        ],
        reapable: true,
        ...kept(v.Tags, now),
      });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

async function unassociatedAddresses(ec2: EC2Client, input: FindIdleInput, now: number): Promise<IdleResource[]> {
  const page = await ec2.send(new DescribeAddressesCommand({}));
  return (page.Addresses ?? [])
    .filter((a) => a.AllocationId && !a.AssociationId && inEnv(a.Tags, input.environment))
    .map((a) => ({
      kind: 'elastic-ip' as const,
      id: a.AllocationId ?? '',
      name: a.PublicIp ?? '',
      monthlyCost: input.settings.prices.elasticIpMonth,
      costBasis: `an unassociated Elastic IP: $${input.settings.prices.elasticIpMonth}/month`,
      evidence: [`${a.PublicIp ?? 'the address'} is associated with no instance or network interface`],
      reapable: true,
      ...kept(a.Tags, now),
    }));
}

/** `User initiated (2026-11-20 10:00:00 GMT)`: when the instance stopped, as EC2 words it (moto writes UTC). */
function stoppedAt(reason: string | undefined): number | undefined {
  const m = /\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)/.exec(reason ?? '');
  return m?.[1] ? Date.parse(`${m[1].replace(' ', 'T')}Z`) : undefined;
}

async function stoppedInstances(ec2: EC2Client, input: FindIdleInput, now: number): Promise<IdleResource[]> {
  const out: IdleResource[] = [];
  const min = input.settings.thresholds.stoppedInstanceDays;
  const page = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['stopped'] }] }),
  );
  for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
    if (!i.InstanceId || !inEnv(i.Tags, input.environment)) continue;
    const at = stoppedAt(i.StateTransitionReason);
    if (at === undefined || now - at < min * DAY_MS) continue;
    // Stopped instances are not billed for compute, but their volumes are.
    const volumeIds = (i.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v);
    const volumes = volumeIds.length
      ? ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }))).Volumes ?? [])
      : [];
    const costs = volumes.map((v) => volumeCost(input.settings.prices, v.Size ?? 0, v.VolumeType ?? 'gp2'));
    out.push({
      kind: 'stopped-instance',
      id: i.InstanceId,
      ...named(i.Tags),
      monthlyCost: Math.round(costs.reduce((s, c) => s + c.cost, 0) * 100) / 100,
      costBasis: costs.length ? `its volumes: ${costs.map((c) => c.basis).join('; ')}` : 'no volumes attached',
      evidence: [
        `${i.InstanceType ?? 'instance'} stopped since ${new Date(at).toISOString().slice(0, 10)} (${days(now - at)} days; threshold ${min})`,
      ],
      reapable: false,
      ...kept(i.Tags, now),
    });
  }
  return out;
}

async function oldSnapshots(ec2: EC2Client, input: FindIdleInput, now: number): Promise<IdleResource[]> {
  const out: IdleResource[] = [];
  const min = input.settings.thresholds.snapshotAgeDays;
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], NextToken: token }));
    for (const s of page.Snapshots ?? []) {
      if (!s.SnapshotId || !inEnv(s.Tags, input.environment)) continue;
      const started = s.StartTime?.getTime() ?? now;
      if (now - started < min * DAY_MS) continue;
      const { cost, basis } = snapshotCost(input.settings.prices, s.VolumeSize ?? 0);
      out.push({
        kind: 'snapshot',
        id: s.SnapshotId,
        ...named(s.Tags),
        monthlyCost: cost,
        costBasis: basis,
        evidence: [
          `taken ${new Date(started).toISOString().slice(0, 10)} (${days(now - started)} days ago; threshold ${min}) from ${s.VolumeId ?? 'a volume'}`,
        ],
        reapable: true,
        ...kept(s.Tags, now),
      });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/** The sum of a CloudWatch metric over the traffic window, and how many datapoints there were. */
async function metricSum(
  cw: CloudWatchClient,
  input: FindIdleInput,
  now: number,
  namespace: string,
  metric: string,
  dimensions: Dimension[],
): Promise<{ sum: number; points: number }> {
  const r = await cw.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metric,
      Dimensions: dimensions,
      StartTime: new Date(now - input.settings.thresholds.trafficDays * DAY_MS),
      EndTime: new Date(now),
      Period: 86_400,
      Statistics: ['Sum'],
    }),
  );
  const points = r.Datapoints ?? [];
  return { sum: points.reduce((s, p) => s + (p.Sum ?? 0), 0), points: points.length };
}

/** A load balancer's target groups; none when ELB says there are none (it answers TargetGroupNotFound). */
async function targetGroupsOf(elb: ElasticLoadBalancingV2Client, arn: string): Promise<TargetGroup[]> {
  try {
    return (await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }))).TargetGroups ?? [];
  } catch (e) {
    if (e instanceof Error && e.name === 'TargetGroupNotFoundException') return [];
    throw e;
  }
}

async function idleLoadBalancers(
  elb: ElasticLoadBalancingV2Client,
  cw: CloudWatchClient,
  input: FindIdleInput,
  now: number,
): Promise<IdleResource[]> {
  const lbs = (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
  const arns = lbs.map((l) => l.LoadBalancerArn).filter((a): a is string => !!a);
  const tags = new Map<string, Tag[]>();
  for (let i = 0; i < arns.length; i += 20) {
    const d = await elb.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) }));
    for (const t of d.TagDescriptions ?? []) if (t.ResourceArn) tags.set(t.ResourceArn, t.Tags ?? []);
  }
  const out: IdleResource[] = [];
  const days_ = input.settings.thresholds.trafficDays;
  for (const lb of lbs) {
    const arn = lb.LoadBalancerArn;
    if (!arn || !inEnv(tags.get(arn), input.environment)) continue;
    const groups = await targetGroupsOf(elb, arn);
    let targets = 0;
    for (const g of groups) {
      const h = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn }));
      targets += (h.TargetHealthDescriptions ?? []).length;
    }
    const evidence: string[] = [];
    if (targets === 0) evidence.push(`no registered targets in ${groups.length} target group(s)`);
    if (lb.Type === 'application' || lb.Type === undefined) {
      // CloudWatch's dimension is the ARN's tail: app/<name>/<id>.
      const dim = arn.split(':loadbalancer/')[1] ?? arn;
      const { sum, points } = await metricSum(cw, input, now, 'AWS/ApplicationELB', 'RequestCount', [
        { Name: 'LoadBalancer', Value: dim },
      ]);
      if (sum === 0)
        evidence.push(
          points === 0
            ? `no RequestCount datapoints in the last ${days_} days (CloudWatch records none without requests)`
            : `RequestCount 0 over the last ${days_} days`,
        );
    }
    if (evidence.length === 0) continue;
    out.push({
      kind: 'load-balancer',
      id: lb.LoadBalancerName ?? arn,
      name: lb.Type ?? 'load balancer',
      monthlyCost: input.settings.prices.loadBalancerMonth,
      costBasis: `a ${lb.Type ?? ''} load balancer's hourly charge: $${input.settings.prices.loadBalancerMonth}/month`,
      evidence,
      reapable: false,
      ...kept(tags.get(arn), now),
    });
  }
  return out;
}

async function idleNatGateways(
  ec2: EC2Client,
  cw: CloudWatchClient,
  input: FindIdleInput,
  now: number,
): Promise<IdleResource[]> {
  const out: IdleResource[] = [];
  const gateways = (await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [];
  for (const g of gateways) {
    if (!g.NatGatewayId || g.State !== 'available' || !inEnv(g.Tags, input.environment)) continue;
    const { sum, points } = await metricSum(cw, input, now, 'AWS/NATGateway', 'BytesOutToDestination', [
      { Name: 'NatGatewayId', Value: g.NatGatewayId },
    ]);
    if (sum > 0) continue;
    out.push({
      kind: 'nat-gateway',
      id: g.NatGatewayId,
      ...named(g.Tags),
      monthlyCost: input.settings.prices.natGatewayMonth,
      costBasis: `a NAT gateway's hourly charge: $${input.settings.prices.natGatewayMonth}/month`,
      evidence: [
        points === 0
          ? `no BytesOutToDestination datapoints in the last ${input.settings.thresholds.trafficDays} days: no traffic`
          : `BytesOutToDestination 0 over the last ${input.settings.thresholds.trafficDays} days`,
      ],
      reapable: false,
      ...kept(g.Tags, now),
    });
  }
  return out;
}

interface Labelled {
  readonly metadata?: { readonly name?: string; readonly labels?: Record<string, string> };
}
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * Deployments scaled to zero (apart from a blue/green standby colour) and Services whose selector matches no pod:
 * in the environment's namespaces, through the Kubernetes API.
 */
async function idleWorkloads(k8s: K8sDeps | undefined, input: FindIdleInput): Promise<IdleResource[]> {
  const cluster = k8s?.environments[input.environment]?.cluster;
  if (!k8s || !cluster) throw new Error(`no cluster is configured for ${input.environment} on this worker`);
  const target = { kubeconfig: cluster.kubeconfig ?? k8s.kubeconfig, context: cluster.kubeContext };
  await checkKubeTarget(target);
  const api = await kubeApiClients(target);
  const out: IdleResource[] = [];
  for (const namespace of input.namespaces) {
    const [deployments, services, pods] = await Promise.all([
      api.apps.listNamespacedDeployment({ namespace }),
      api.core.listNamespacedService({ namespace }),
      api.core.listNamespacedPod({ namespace }),
    ]);
    for (const d of deployments.items) {
      const name = d.metadata?.name ?? '';
      const id = `${namespace}/${name}`;
      if (d.spec?.replicas !== 0 || input.standby.includes(id)) continue;
      out.push({
        kind: 'deployment',
        id,
        monthlyCost: 0,
        costBasis: 'no pods run, so nothing is requested',
        evidence: [`scaled to 0 replicas (not a blue/green standby colour of a catalog service)`],
        reapable: false,
      });
    }
    const running: Labelled[] = pods.items.filter(
      (p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
    );
    for (const s of services.items) {
      const svc = s.metadata?.name ?? '';
      const selector = s.spec?.selector;
      if (!selector || Object.keys(selector).length === 0) continue; // a selector-less Service has manual endpoints
      if (running.some((p) => matches(selector, p.metadata?.labels))) continue;
      const selectorText = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      // The Deployment the Service is for (same name, or its app label): its pods run and get no traffic.
      const meant = deployments.items.find(
        (d) => d.metadata?.name === svc || (d.metadata?.labels?.app ?? '') === (selector.app ?? svc),
      );
      const replicas = meant?.spec?.replicas ?? 0;
      if (meant && replicas > 0) {
        const requests = meant.spec?.template?.spec?.containers?.map((c) => c.resources?.requests) ?? [];
        const cpu = requests.reduce((n, r) => n + parseQuantity(r?.cpu, 'cpu'), 0);
        const mem = requests.reduce((n, r) => n + parseQuantity(r?.memory, 'memory'), 0);
        const { cost, basis } = workloadCost(input.settings.prices, cpu, Math.round(mem * 1000) / 1000, replicas);
        const podLabels = Object.entries(meant.spec?.template?.metadata?.labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        out.push({
          kind: 'deployment',
          id: `${namespace}/${meant.metadata?.name ?? ''}`,
          monthlyCost: cost,
          costBasis: basis,
          evidence: [
            `its Service ${svc} selects no pod (selector ${selectorText}); its ${replicas} pod(s) are labelled ${podLabels || '(none)'}: they get no traffic`,
          ],
          reapable: false,
        });
        continue;
      }
      const lb = s.spec?.type === 'LoadBalancer';
      out.push({
        kind: 'service',
        id: `${namespace}/${svc}`,
        monthlyCost: lb ? input.settings.prices.loadBalancerMonth : 0,
        costBasis: lb
          ? 'a Service of type LoadBalancer: its load balancer'
          : 'a ClusterIP Service costs nothing itself',
        evidence: [
          `Service ${svc} selects no pod (selector ${selectorText}) and no running Deployment is meant for it`,
        ],
        reapable: false,
      });
    }
  }
  return out;
}
