import { DescribeNetworkAclsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient, ListAddonsCommand, ListNodegroupsCommand } from '@aws-sdk/client-eks';
import type { AppConfig } from '../../core/config';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig } from '../support/sandbox';

/** The seed's build order: foundation first, then EKS (each stack imports the previous ones' exports). */
const ORDER = ['vpc', 'security-groups', 'iam-roles', 'eks-cluster', 'node-groups', 'addons'];

describe('infrastructure build through the product deploy path (validate → change set → approval → execute)', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  beforeAll(async () => {
    config = testConfig();
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  it('GIVEN the foundation and EKS templates WHEN each is deployed to tst and approved THEN every stack completes and its resources exist', async () => {
    const gw = session.gateway;
    const aws = awsClients(config);
    const endpoint = {
      region: 'us-east-1',
      endpoint: config.aws.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };
    const ec2 = new EC2Client(endpoint);
    const eks = new EKSClient(endpoint);
    try {
      for (const stack of ORDER) {
        const op = (await gw.startStackOperation('deploy-stack', stack, 'tst', person('alice'))).operationId;
        const pending = await eventually(
          async () => {
            const s = await gw.state(op);
            return s.phase === 'awaiting-approval' || s.phase === 'done' ? s : undefined;
          },
          60_000,
          `${stack} preview`,
        );
        expect({ stack, findings: pending.findings.filter((f) => f.severity === 'error') }).toEqual({
          stack,
          findings: [],
        });
        await gw.approve(op, person('carol'), { artifactId: pending.preview!.artifactId });
        const done = await gw.result(op);
        expect({ stack, outcome: done.outcome, status: done.stackStatus }).toEqual({
          stack,
          outcome: 'succeeded',
          status: 'CREATE_COMPLETE',
        });
        const resources = await aws.resources(`infra-agent-tst-${stack}`);
        expect(resources.length).toBe(pending.preview!.changes.length);
        expect(resources.filter((r) => !r.PhysicalResourceId)).toEqual([]);
      }

      const vpcId = (await aws.resources('infra-agent-tst-vpc')).find(
        (r) => r.LogicalResourceId === 'Vpc',
      )?.PhysicalResourceId;
      const subnets =
        (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId!] }] }))).Subnets ?? [];
      expect(subnets.map((s) => s.CidrBlock).sort()).toEqual(
        [
          '10.0.0.0/22',
          '10.0.4.0/22',
          '10.0.8.0/22',
          '10.0.48.0/22',
          '10.0.52.0/22',
          '10.0.56.0/22',
          '100.64.0.0/18',
          '100.64.64.0/18',
          '100.64.128.0/18',
        ].sort(),
      );
      const acls =
        (await ec2.send(new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId!] }] })))
          .NetworkAcls ?? [];
      expect(acls.flatMap((a) => a.Entries ?? []).some((e) => e.RuleAction === 'deny')).toBe(true);

      const cluster = (await eks.send(new DescribeClusterCommand({ name: 'infra-agent-tst-cluster' }))).cluster;
      expect(cluster?.version).toBe('1.32');
      expect(cluster?.resourcesVpcConfig).toMatchObject({ endpointPrivateAccess: true, endpointPublicAccess: false });
      expect(cluster?.encryptionConfig?.[0]?.resources).toEqual(['secrets']);
      expect(
        (await eks.send(new ListNodegroupsCommand({ clusterName: 'infra-agent-tst-cluster' }))).nodegroups?.length,
      ).toBeGreaterThan(0);
      expect(
        (await eks.send(new ListAddonsCommand({ clusterName: 'infra-agent-tst-cluster' }))).addons?.sort(),
      ).toEqual(expect.arrayContaining(['coredns', 'kube-proxy', 'vpc-cni']));
    } finally {
      aws.destroy();
      ec2.destroy();
      eks.destroy();
    }
  });
});
