import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Tag } from '@aws-sdk/client-ec2';
import {
  AllocateAddressCommand,
  CreateNatGatewayCommand,
  CreateSnapshotCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AppConfig } from '../../core/config';

/** Test-side AWS clients against the sandbox's moto, to seed what `idle` should (and should not) find. */
export function idleAws(config: AppConfig) {
  const opts = {
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const ec2 = new EC2Client(opts);
  const elb = new ElasticLoadBalancingV2Client(opts);
  const cw = new CloudWatchClient(opts);
  const tags = (env: string, name: string): Tag[] => [
    { Key: 'Environment', Value: env },
    { Key: 'Name', Value: name },
  ];
  return {
    ec2,
    elb,
    cw,
    tags,
    async volume(env: string, name: string, size = 100, type: 'gp3' | 'gp2' = 'gp3'): Promise<string> {
      const v = await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: 'us-east-1a',
          Size: size,
          VolumeType: type,
          TagSpecifications: [{ ResourceType: 'volume', Tags: tags(env, name) }],
        }),
      );
      return v.VolumeId ?? '';
    },
    async address(env: string, name: string): Promise<string> {
      const a = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      await ec2.send(new CreateTagsCommand({ Resources: [a.AllocationId ?? ''], Tags: tags(env, name) }));
      return a.AllocationId ?? '';
    },
    async snapshot(volumeId: string, env: string, name: string): Promise<string> {
      const s = await ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags(env, name) }],
        }),
      );
      return s.SnapshotId ?? '';
    },
    async network(): Promise<{ vpcId: string; subnets: string[] }> {
      const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.77.0.0/16' }));
      const vpcId = vpc.Vpc?.VpcId ?? '';
      const subnets: string[] = [];
      for (const [i, az] of ['us-east-1a', 'us-east-1b'].entries()) {
        const s = await ec2.send(
          new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.77.${i}.0/24`, AvailabilityZone: az }),
        );
        subnets.push(s.Subnet?.SubnetId ?? '');
      }
      return { vpcId, subnets };
    },
    async instance(env: string, name: string, subnet: string, stop: boolean): Promise<string> {
      const r = await ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-12c6146b',
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnet,
          TagSpecifications: [{ ResourceType: 'instance', Tags: tags(env, name) }],
        }),
      );
      const id = r.Instances?.[0]?.InstanceId ?? '';
      if (stop) await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      return id;
    },
    async loadBalancer(env: string, name: string, subnets: string[]): Promise<{ arn: string; dimension: string }> {
      const lb = await elb.send(
        new CreateLoadBalancerCommand({
          Name: name,
          Subnets: subnets,
          Tags: [
            { Key: 'Environment', Value: env },
            { Key: 'Name', Value: name },
          ],
          Type: 'application',
        }),
      );
      const arn = lb.LoadBalancers?.[0]?.LoadBalancerArn ?? '';
      return { arn, dimension: arn.split(':loadbalancer/')[1] ?? '' };
    },
    async targets(vpcId: string, name: string, lbArn: string, instanceId: string): Promise<void> {
      const tg = await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId }));
      const tgArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
      // A target group belongs to a load balancer through a listener.
      await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lbArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: tgArn }],
        }),
      );
      await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: instanceId, Port: 80 }] }));
    },
    async natGateway(env: string, name: string, subnet: string): Promise<string> {
      const eip = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
      const n = await ec2.send(
        new CreateNatGatewayCommand({
          SubnetId: subnet,
          AllocationId: eip.AllocationId ?? '',
          TagSpecifications: [{ ResourceType: 'natgateway', Tags: tags(env, name) }],
        }),
      );
      return n.NatGateway?.NatGatewayId ?? '';
    },
    async metric(namespace: string, metric: string, dimension: { Name: string; Value: string }, value: number) {
      await cw.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [
            {
              MetricName: metric,
              Dimensions: [dimension],
              Value: value,
              Unit: 'Count',
              Timestamp: new Date(Date.now() - 3_600_000),
            },
          ],
        }),
      );
    },
    destroy(): void {
      ec2.destroy();
      elb.destroy();
      cw.destroy();
    },
  };
}
