import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { albNames } from '../activities/rollout/alb';
import type { AwsClientFactory } from '../adapters/aws/clients';
import type { AppConfig } from '../core/config';
import type { Colour } from '../core/rollout/types';
import { COLOURS } from '../core/rollout/types';

/** What seeding found or created for one service in one environment. */
export interface SeededLoadBalancer {
  readonly environment: string;
  readonly service: string;
  readonly loadBalancer: string;
  readonly listenerPort: number;
  readonly targetGroups: Readonly<Record<Colour, string>>;
  /** What this call created ("load balancer", "target group x", "listener :80"); empty when all existed. */
  readonly created: readonly string[];
}

const SEED_TAG = { Key: 'infra-agent:sandbox', Value: 'rollout-load-balancers' };
/** Used only when the region has no default VPC (moto always has one; a bare endpoint may not). */
const SEED_VPC_CIDR = '10.99.0.0/16';

interface Network {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
}

const errName = (e: unknown): string => (e instanceof Error ? e.name : '');

/** Two subnets in different zones: the region's default VPC, or a tagged VPC of our own (created once). */
async function network(ec2: EC2Client, region: string): Promise<Network> {
  const defaults = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
  let vpcId = defaults.Vpcs?.[0]?.VpcId;
  if (!vpcId) {
    const tagged = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: `tag:${SEED_TAG.Key}`, Values: [SEED_TAG.Value] }] }),
    );
    vpcId = tagged.Vpcs?.map((v) => v.VpcId!).sort()[0];
    if (!vpcId) {
      const created = await ec2.send(
        new CreateVpcCommand({
          CidrBlock: SEED_VPC_CIDR,
          TagSpecifications: [
            { ResourceType: 'vpc', Tags: [SEED_TAG, { Key: 'Name', Value: 'infra-agent-rollout-albs' }] },
          ],
        }),
      );
      vpcId = created.Vpc!.VpcId!;
    }
  }
  const subnets =
    (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).Subnets ?? [];
  const byZone = new Map<string, string>();
  for (const s of [...subnets].sort((a, b) => (a.SubnetId ?? '').localeCompare(b.SubnetId ?? ''))) {
    if (s.AvailabilityZone && s.SubnetId && !byZone.has(s.AvailabilityZone)) byZone.set(s.AvailabilityZone, s.SubnetId);
  }
  if (byZone.size < 2) {
    const zones = ((await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [])
      .map((z) => z.ZoneName!)
      .sort();
    for (const [i, zone] of zones.slice(0, 2).entries()) {
      if (byZone.has(zone)) continue;
      try {
        const s = await ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            AvailabilityZone: zone,
            CidrBlock: `10.99.${i + 1}.0/24`,
            TagSpecifications: [{ ResourceType: 'subnet', Tags: [SEED_TAG] }],
          }),
        );
        byZone.set(zone, s.Subnet!.SubnetId!);
      } catch (e) {
        if (errName(e) !== 'InvalidSubnet.Conflict') throw e;
        return network(ec2, region); // a concurrent seeder created it: read again
      }
    }
  }
  if (byZone.size < 2) throw new Error(`sandbox seed: ${region} has fewer than two availability zones for an ALB`);
  return {
    vpcId,
    subnetIds: [...byZone.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, id]) => id)
      .slice(0, 2),
  };
}

async function loadBalancerArn(elb: ElasticLoadBalancingV2Client, name: string): Promise<string | undefined> {
  try {
    return (await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }))).LoadBalancers?.[0]?.LoadBalancerArn;
  } catch (e) {
    if (errName(e) === 'LoadBalancerNotFoundException') return undefined;
    throw e;
  }
}

async function targetGroupArn(elb: ElasticLoadBalancingV2Client, name: string): Promise<string | undefined> {
  try {
    return (await elb.send(new DescribeTargetGroupsCommand({ Names: [name] }))).TargetGroups?.[0]?.TargetGroupArn;
  } catch (e) {
    if (errName(e) === 'TargetGroupNotFoundException') return undefined;
    throw e;
  }
}

/**
 * For every environment whose cluster traffic is `alb` and every configured service, makes sure the sandbox's AWS
 * endpoint has what a PRD rollout expects: an internal application load balancer, a blue and a green target group
 * (HTTP, the service's port, target type ip) and a listener on the configured port forwarding 100% to blue.
 * Idempotent: existing pieces are kept as they are (an existing listener's weights are never reset). Only for a
 * local endpoint (`aws.endpoint` set): it refuses to create load balancers in real AWS.
 */
export async function seedRolloutLoadBalancers(
  config: AppConfig,
  aws: AwsClientFactory,
): Promise<SeededLoadBalancer[]> {
  if (!config.aws.endpoint) {
    throw new Error(
      'sandbox seed: the config has no aws.endpoint, so it points at real AWS; seeding only creates load balancers in the sandbox endpoint',
    );
  }
  const out: SeededLoadBalancer[] = [];
  for (const env of Object.values(config.environments)) {
    const traffic = env.cluster?.traffic;
    if (traffic?.kind !== 'alb' || Object.keys(config.services).length === 0) continue;
    const target = { region: env.region };
    const ec2 = aws.ec2(target);
    const elb = aws.elbv2(target);
    try {
      const net = await network(ec2, env.region);
      for (const service of Object.values(config.services)) {
        const names = albNames({ environment: env.name, service: service.name }, traffic);
        const created: string[] = [];

        let lbArn = await loadBalancerArn(elb, names.loadBalancer);
        if (!lbArn) {
          try {
            const lb = await elb.send(
              new CreateLoadBalancerCommand({
                Name: names.loadBalancer,
                Type: 'application',
                Scheme: 'internal',
                Subnets: [...net.subnetIds],
                Tags: [SEED_TAG],
              }),
            );
            lbArn = lb.LoadBalancers?.[0]?.LoadBalancerArn;
            created.push(`load balancer ${names.loadBalancer}`);
          } catch (e) {
            if (errName(e) !== 'DuplicateLoadBalancerNameException') throw e;
            lbArn = await loadBalancerArn(elb, names.loadBalancer);
          }
        }
        if (!lbArn) throw new Error(`sandbox seed: load balancer ${names.loadBalancer} was created but cannot be read`);

        const tgArns = {} as Record<Colour, string>;
        for (const colour of COLOURS) {
          const name = names.targetGroups[colour];
          let arn = await targetGroupArn(elb, name);
          if (!arn) {
            try {
              const tg = await elb.send(
                new CreateTargetGroupCommand({
                  Name: name,
                  Protocol: 'HTTP',
                  Port: service.port,
                  VpcId: net.vpcId,
                  TargetType: 'ip',
                  Tags: [SEED_TAG],
                }),
              );
              arn = tg.TargetGroups?.[0]?.TargetGroupArn;
              created.push(`target group ${name}`);
            } catch (e) {
              if (errName(e) !== 'DuplicateTargetGroupNameException') throw e;
              arn = await targetGroupArn(elb, name);
            }
          }
          if (!arn) throw new Error(`sandbox seed: target group ${name} was created but cannot be read`);
          tgArns[colour] = arn;
        }

        const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }))).Listeners ?? [];
        if (!listeners.some((l) => l.Port === names.listenerPort)) {
          try {
            // HTTP even on 443: the sandbox has no certificates to serve HTTPS with; only the weights matter here.
            await elb.send(
              new CreateListenerCommand({
                LoadBalancerArn: lbArn,
                Protocol: 'HTTP',
                Port: names.listenerPort,
                DefaultActions: [
                  {
                    Type: 'forward',
                    ForwardConfig: {
                      TargetGroups: [
                        { TargetGroupArn: tgArns.blue, Weight: 100 },
                        { TargetGroupArn: tgArns.green, Weight: 0 },
                      ],
                    },
                  },
                ],
                Tags: [SEED_TAG],
              }),
            );
            created.push(`listener :${names.listenerPort}`);
          } catch (e) {
            if (errName(e) !== 'DuplicateListenerException') throw e;
          }
        }
        out.push({
          environment: env.name,
          service: service.name,
          loadBalancer: names.loadBalancer,
          listenerPort: names.listenerPort,
          targetGroups: names.targetGroups,
          created,
        });
      }
    } finally {
      ec2.destroy();
      elb.destroy();
    }
  }
  return out;
}
