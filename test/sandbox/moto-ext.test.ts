/**
 * sandbox/moto/server.py: moto with CloudFormation support for the resource types moto 5.2.5 skips.
 *
 * Starts its own extended moto on a free port, deploys sandbox/moto/fixtures/added-types.yaml (one of every
 * added type), checks the resources through the ordinary EC2 / EKS / IAM APIs, deletes the stack and checks
 * they are gone. Run: INFRA_AGENT_TEST_NO_SANDBOX=1 npx jest test/sandbox/moto-ext.test.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListAddonsCommand,
  ListClustersCommand,
  ListNodegroupsCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';

import { venvPython } from '../../sandbox/paths';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'sandbox', 'moto', 'server.py');
const TEMPLATE = readFileSync(join(ROOT, 'sandbox', 'moto', 'fixtures', 'added-types.yaml'), 'utf8');
const STACK = 'moto-ext-test';
const CLUSTER = 'ext-test';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let server: ChildProcess | undefined;
let serverLog = '';
let cfn: CloudFormationClient;
let ec2: EC2Client;
let eks: EKSClient;
let iam: IAMClient;
let outputs: Record<string, string> = {};

beforeAll(async () => {
  const port = await freePort();
  server = spawn(venvPython(), [SERVER, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    serverLog = (serverLog + chunk.toString('utf8')).slice(-20000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);

  const config = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  };
  cfn = new CloudFormationClient(config);
  ec2 = new EC2Client(config);
  eks = new EKSClient(config);
  iam = new IAMClient(config);

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`moto-ext exited with ${server.exitCode}:\n${serverLog}`);
    try {
      await cfn.send(new ListStacksCommand({}));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`moto-ext did not start: ${String(err)}\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 60_000);

afterAll(async () => {
  cfn?.destroy();
  ec2?.destroy();
  eks?.destroy();
  iam?.destroy();
  const proc = server;
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  }
});

describe('moto extension: CloudFormation types moto 5.2.5 skips', () => {
  test('stack with every added type deploys, GetAtt outputs resolve', async () => {
    await cfn.send(new CreateStackCommand({ StackName: STACK, TemplateBody: TEMPLATE }));
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks?.[0];
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));

    expect(outputs.ClusterArn).toBe(`arn:aws:eks:us-east-1:123456789012:cluster/${CLUSTER}`);
    expect(outputs.ClusterEndpoint).toMatch(/^https:\/\/[^/]+\.us-east-1\.eks\.amazonaws\.com$/);
    expect(outputs.ClusterSecurityGroupId).toMatch(/^sg-/);
    expect(outputs.ClusterCa?.length).toBeGreaterThan(100);
    expect(outputs.OidcIssuer).toMatch(/^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//);
    expect(outputs.NodegroupRef).toBe(`${CLUSTER}/general`);
    expect(outputs.NodegroupArn).toMatch(new RegExp(`:nodegroup/${CLUSTER}/general/`));
    expect(outputs.AddonArn).toMatch(new RegExp(`:addon/${CLUSTER}/vpc-cni/`));
    expect(outputs.AclId).toMatch(/^acl-/);
  });

  test('network ACL, entries and subnet association are visible through EC2', async () => {
    const acl = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [outputs.AclId ?? ''] })))
      .NetworkAcls?.[0];
    expect(acl?.VpcId).toBe(outputs.VpcId);
    expect(acl?.IsDefault).toBe(false);
    expect(acl?.Tags).toEqual(expect.arrayContaining([{ Key: 'Name', Value: 'ext-acl' }]));
    expect(acl?.Tags).toEqual(expect.arrayContaining([{ Key: 'aws:cloudformation:stack-name', Value: STACK }]));

    const entries = (acl?.Entries ?? [])
      .map((e) => ({
        egress: e.Egress,
        rule: e.RuleNumber,
        action: e.RuleAction,
        protocol: e.Protocol,
        cidr: e.CidrBlock,
        ports: e.PortRange ? [e.PortRange.From, e.PortRange.To] : undefined,
      }))
      .sort((a, b) => Number(a.egress) - Number(b.egress) || (a.rule ?? 0) - (b.rule ?? 0));
    expect(entries).toEqual([
      { egress: false, rule: 90, action: 'deny', protocol: '6', cidr: '0.0.0.0/0', ports: [22, 22] },
      { egress: false, rule: 100, action: 'allow', protocol: '6', cidr: '0.0.0.0/0', ports: [443, 443] },
      { egress: true, rule: 100, action: 'allow', protocol: '-1', cidr: '10.20.0.0/16', ports: undefined },
    ]);

    const subnets = (
      await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [outputs.VpcId ?? ''] }] }))
    ).Subnets;
    const subnetA = subnets?.find((s) => s.CidrBlock === '10.20.1.0/24')?.SubnetId;
    expect(acl?.Associations).toEqual([
      expect.objectContaining({ NetworkAclAssociationId: outputs.AclAssociationId, SubnetId: subnetA }),
    ]);
    // The pod subnet (100.64.0.0/19) could only be created because the VPCCidrBlock really exists.
    expect(subnets?.map((s) => s.CidrBlock).sort()).toEqual(['10.20.1.0/24', '10.20.2.0/24', '100.64.0.0/19']);
    const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [outputs.VpcId ?? ''] }))).Vpcs?.[0];
    expect(vpc?.CidrBlockAssociationSet).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ AssociationId: outputs.PodCidrAssociation, CidrBlock: '100.64.0.0/16' }),
      ]),
    );
  });

  test('security group egress/ingress rules exist', async () => {
    const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [outputs.NodeSgId ?? ''] })))
      .SecurityGroups?.[0];
    expect(sg?.IpPermissionsEgress).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '10.20.0.0/16', Description: 'https inside the VPC' }],
        }),
      ]),
    );
    expect(sg?.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 10250,
        ToPort: 10250,
        UserIdGroupPairs: [expect.objectContaining({ GroupId: outputs.NodeSgId })],
      }),
    ]);
  });

  test('EKS cluster, node group and add-ons are visible through the EKS API', async () => {
    const cluster = (await eks.send(new DescribeClusterCommand({ name: CLUSTER }))).cluster;
    expect(cluster?.arn).toBe(outputs.ClusterArn);
    expect(cluster?.endpoint).toBe(outputs.ClusterEndpoint);
    expect(cluster?.version).toBe('1.32');
    expect(cluster?.status).toBe('ACTIVE');
    expect(cluster?.roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(cluster?.resourcesVpcConfig).toEqual(
      expect.objectContaining({
        endpointPrivateAccess: true,
        endpointPublicAccess: false,
        securityGroupIds: [outputs.NodeSgId],
        clusterSecurityGroupId: outputs.ClusterSecurityGroupId,
        vpcId: outputs.VpcId,
      }),
    );
    expect(cluster?.resourcesVpcConfig?.subnetIds).toHaveLength(2);
    expect(cluster?.encryptionConfig).toEqual([
      {
        provider: { keyArn: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\//) },
        resources: ['secrets'],
      },
    ]);
    expect(cluster?.logging?.clusterLogging).toEqual([
      { types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true },
    ]);
    expect(cluster?.tags).toEqual({ Environment: 'dev' });
    expect(cluster?.identity?.oidc?.issuer).toBe(outputs.OidcIssuer);
    // the cluster security group is a real EC2 security group in the cluster's VPC
    const clusterSg = (
      await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [outputs.ClusterSecurityGroupId ?? ''] }))
    ).SecurityGroups?.[0];
    expect(clusterSg?.VpcId).toBe(outputs.VpcId);

    expect((await eks.send(new ListNodegroupsCommand({ clusterName: CLUSTER }))).nodegroups).toEqual(['general']);
    const ng = (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: 'general' })))
      .nodegroup;
    expect(ng?.nodegroupArn).toBe(outputs.NodegroupArn);
    expect(ng?.scalingConfig).toEqual({ minSize: 2, maxSize: 10, desiredSize: 3 });
    expect(ng?.instanceTypes).toEqual(['m5.large', 'm5a.large']);
    expect(ng?.labels).toEqual({ role: 'general' });
    expect(ng?.tags).toEqual({ Environment: 'dev' });
    expect(ng?.version).toBe('1.32');
    expect(ng?.subnets).toHaveLength(1);

    expect((await eks.send(new ListAddonsCommand({ clusterName: CLUSTER }))).addons).toEqual(['coredns', 'vpc-cni']);
    const cni = (await eks.send(new DescribeAddonCommand({ clusterName: CLUSTER, addonName: 'vpc-cni' }))).addon;
    expect(cni).toEqual(
      expect.objectContaining({
        addonArn: outputs.AddonArn,
        addonVersion: 'v1.19.2-eksbuild.1',
        clusterName: CLUSTER,
        status: 'ACTIVE',
      }),
    );
  });

  test('IAM OIDC provider exists for the cluster issuer', async () => {
    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: outputs.OidcProviderArn }),
    );
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(provider.Url).toBe((outputs.OidcIssuer ?? '').replace(/^https:\/\//, ''));
  });

  test('drift detection: in sync after deploy, then reports out-of-band changes', async () => {
    const detect = async (): Promise<string | undefined> => {
      const id = (await cfn.send(new DetectStackDriftCommand({ StackName: STACK }))).StackDriftDetectionId;
      const status = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
      expect(status.DetectionStatus).toBe('DETECTION_COMPLETE');
      return status.StackDriftStatus;
    };
    expect(await detect()).toBe('IN_SYNC');

    await eks.send(
      new UpdateNodegroupConfigCommand({
        clusterName: CLUSTER,
        nodegroupName: 'general',
        scalingConfig: { desiredSize: 5 },
      }),
    );
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: outputs.AclId, RuleNumber: 90, Egress: false }));
    expect(await detect()).toBe('DRIFTED');

    const drifts = (
      await cfn.send(
        new DescribeStackResourceDriftsCommand({
          StackName: STACK,
          StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
        }),
      )
    ).StackResourceDrifts;
    const byId = new Map((drifts ?? []).map((d) => [d.LogicalResourceId ?? '', d]));
    expect([...byId.keys()].sort()).toEqual(['AclDenySsh', 'Nodes']);
    expect(byId.get('AclDenySsh')?.StackResourceDriftStatus).toBe('DELETED');
    expect(byId.get('Nodes')?.StackResourceDriftStatus).toBe('MODIFIED');
    expect(byId.get('Nodes')?.PropertyDifferences).toEqual([
      { PropertyPath: '/ScalingConfig/DesiredSize', ExpectedValue: '3', ActualValue: '5', DifferenceType: 'NOT_EQUAL' },
    ]);
  });

  test('delete_stack removes every added resource', async () => {
    await cfn.send(new DeleteStackCommand({ StackName: STACK }));
    expect((await eks.send(new ListClustersCommand({}))).clusters).toEqual([]);
    const acls = (await ec2.send(new DescribeNetworkAclsCommand({}))).NetworkAcls ?? [];
    expect(acls.map((a) => a.NetworkAclId)).not.toContain(outputs.AclId);
    const sgs = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    expect(sgs.map((g) => g.GroupId)).not.toContain(outputs.ClusterSecurityGroupId);
    const vpcs = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? [];
    expect(vpcs.map((v) => v.VpcId)).not.toContain(outputs.VpcId);
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([]);
  });
});
