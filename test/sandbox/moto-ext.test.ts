/**
 * sandbox/moto/server.py: moto with CloudFormation support for the resource types moto 5.2.5 skips.
 *
 * Starts its own extended moto on a free port, deploys sandbox/moto/fixtures/added-types.yaml (one of every
 * added type), checks the resources through the ordinary EC2 / EKS / IAM APIs, deletes the stack and checks
 * they are gone. Then checks the CloudFormation engine fixes (sandbox/moto/cfn_engine.py) and deploys the real
 * infra/cloudformation foundation + EKS templates through change sets.
 * Run: INFRA_AGENT_TEST_NO_SANDBOX=1 npx jest test/sandbox/moto-ext.test.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
  ExecuteChangeSetCommand,
  GetTemplateSummaryCommand,
  ListChangeSetsCommand,
  ListExportsCommand,
  ListStacksCommand,
  type Parameter,
  type Stack,
  type StackResource,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  AuthorizeSecurityGroupIngressCommand,
  DeleteFlowLogsCommand,
  DeleteNetworkAclEntryCommand,
  DeleteTagsCommand,
  DescribeAddressesCommand,
  DescribeFlowLogsCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
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
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';

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

/** DetectStackDrift, then poll DescribeStackDriftDetectionStatus as a real client must (detection is asynchronous). */
async function detectDrift(stackName: string): Promise<string | undefined> {
  const id = (await cfn.send(new DetectStackDriftCommand({ StackName: stackName }))).StackDriftDetectionId;
  const first = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
  expect(first.DetectionStatus).toBe('DETECTION_IN_PROGRESS');
  for (;;) {
    const status = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
    if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') {
      expect(status.DetectionStatus).toBe('DETECTION_COMPLETE');
      return status.StackDriftStatus;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let server: ChildProcess | undefined;
let serverLog = '';
let cfn: CloudFormationClient;
let ec2: EC2Client;
let eks: EKSClient;
let iam: IAMClient;
let logs: CloudWatchLogsClient;
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
  logs = new CloudWatchLogsClient(config);

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
  logs?.destroy();
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
    const detect = (): Promise<string | undefined> => detectDrift(STACK);
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

// ---------------------------------------------------------------------------------------------------------
// CloudFormation engine fixes (sandbox/moto/cfn_engine.py)
// ---------------------------------------------------------------------------------------------------------

async function stackOf(name: string): Promise<Stack | undefined> {
  return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
}

async function resourcesOf(name: string): Promise<Map<string, StackResource>> {
  const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: name }));
  return new Map((out.StackResources ?? []).map((r) => [r.LogicalResourceId ?? '', r]));
}

/** Create a stack the way the deploy workflow does: a CREATE change set, then execute it. */
async function deployWithChangeSet(
  name: string,
  body: string,
  parameters: Parameter[] = [],
): Promise<Stack | undefined> {
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: name,
      ChangeSetName: 'initial',
      ChangeSetType: 'CREATE',
      TemplateBody: body,
      Parameters: parameters,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    }),
  );
  await cfn.send(new ExecuteChangeSetCommand({ StackName: name, ChangeSetName: 'initial' }));
  return stackOf(name);
}

function physicalId(resources: Map<string, StackResource>, logicalId: string): string {
  const id = resources.get(logicalId)?.PhysicalResourceId;
  if (!id) throw new Error(`no physical id for ${logicalId}`);
  return id;
}

const KMS_AND_LOGS = `
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: tagged key
      EnableKeyRotation: true
      KeyPolicy:
        Version: '2012-10-17'
        Statement:
          - { Effect: Allow, Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }
      Tags:
        - { Key: Name, Value: tagged-key }
        - { Key: Environment, Value: dev }
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /moto-ext/encrypted
      RetentionInDays: 90
      KmsKeyId: !GetAtt Key.Arn
      Tags:
        - { Key: Name, Value: encrypted-logs }
Outputs:
  KeyArn:
    Value: !GetAtt Key.Arn
`;

// A subnet in a secondary CIDR: it can only be created after the VPCCidrBlock (DependsOn), and the exported
// output must not make moto create it early.
const SECONDARY_CIDR = (exportName: string): string => `
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: { CidrBlock: 10.0.0.0/16 }
  PodSubnet:
    Type: AWS::EC2::Subnet
    DependsOn: PodCidr
    Properties: { VpcId: !Ref Vpc, CidrBlock: 100.64.0.0/18 }
  PodCidr:
    Type: AWS::EC2::VPCCidrBlock
    Properties: { VpcId: !Ref Vpc, CidrBlock: 100.64.0.0/16 }
Outputs:
  PodSubnetId:
    Value: !Ref PodSubnet
    Export: { Name: ${exportName} }
`;

describe('moto extension: CloudFormation engine fixes', () => {
  test('AWS::KMS::Key with standard Tags and a LogGroup with RetentionInDays/KmsKeyId/Tags', async () => {
    const stack = await deployWithChangeSet('engine-kms-logs', KMS_AND_LOGS);
    expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
    const keyArn = stack?.Outputs?.find((o) => o.OutputKey === 'KeyArn')?.OutputValue;
    expect(keyArn).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    // moto raised KeyError 'TagKey' here, and DescribeStackResources then answered with an HTML 500
    const resources = await resourcesOf('engine-kms-logs');
    expect([...resources.keys()].sort()).toEqual(['Key', 'Logs']);
    expect(resources.get('Key')?.PhysicalResourceId).toBe(keyArn?.split('/').pop());

    const group = (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/moto-ext/encrypted' })))
      .logGroups?.[0];
    expect(group).toEqual(expect.objectContaining({ retentionInDays: 90, kmsKeyId: keyArn }));
    const tags = await logs.send(new ListTagsForResourceCommand({ resourceArn: group?.logGroupArn }));
    expect(tags.tags).toEqual({ Name: 'encrypted-logs' });
    // (the KMS tags themselves are checked with kms:ListResourceTags in sandbox/moto/test_server.py)
  });

  test('DependsOn and references order creation; exports are resolved after the resources exist', async () => {
    for (const [name, viaChangeSet] of [
      ['engine-order-stack', false],
      ['engine-order-changeset', true],
    ] as const) {
      const body = SECONDARY_CIDR(`${name}-pod-subnet`);
      const stack = viaChangeSet
        ? await deployWithChangeSet(name, body)
        : (await cfn.send(new CreateStackCommand({ StackName: name, TemplateBody: body })), await stackOf(name));
      expect(stack?.StackStatus).toBe('CREATE_COMPLETE');
      const subnetId = stack?.Outputs?.[0]?.OutputValue ?? '';
      expect(stack?.Outputs?.[0]?.ExportName).toBe(`${name}-pod-subnet`);
      const subnet = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets?.[0];
      expect(subnet?.CidrBlock).toBe('100.64.0.0/18');
      const exports = (await cfn.send(new ListExportsCommand({}))).Exports ?? [];
      expect(exports).toEqual(
        expect.arrayContaining([{ ExportingStackId: stack?.StackId, Name: `${name}-pod-subnet`, Value: subnetId }]),
      );
    }
  });

  test('a resource that fails to create rolls the stack back instead of an HTTP 500', async () => {
    // No DependsOn: the subnet is outside the VPC's only CIDR, as in AWS this fails.
    const body = SECONDARY_CIDR('engine-fail-export')
      .replace('    DependsOn: PodCidr\n', '')
      .replace(/PodCidr:[\s\S]*?\n(?=Outputs)/, '');
    await cfn.send(new CreateStackCommand({ StackName: 'engine-fail', TemplateBody: body }));
    const stack = await stackOf('engine-fail');
    expect(stack?.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(stack?.StackStatusReason).toMatch(/The following resource\(s\) failed to create: \[PodSubnet\]/);
    expect(stack?.Outputs).toBeUndefined();
    expect((await resourcesOf('engine-fail')).size).toBe(0); // the VPC was rolled back
    const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'engine-fail' }))).StackEvents ?? [];
    expect(events.find((e) => e.LogicalResourceId === 'PodSubnet')?.ResourceStatus).toBe('CREATE_FAILED');
    await cfn.send(new DeleteStackCommand({ StackName: 'engine-fail' }));
  });

  test('ListChangeSets lists only the given stack; an executed change set cannot be executed again', async () => {
    const summaries = async (stackName: string): Promise<string[]> =>
      ((await cfn.send(new ListChangeSetsCommand({ StackName: stackName }))).Summaries ?? []).map(
        (c) => `${c.StackName}/${c.ChangeSetName}/${c.ExecutionStatus}`,
      );
    expect(await summaries('engine-kms-logs')).toEqual(['engine-kms-logs/initial/EXECUTE_COMPLETE']);
    expect(await summaries('engine-order-changeset')).toEqual(['engine-order-changeset/initial/EXECUTE_COMPLETE']);

    const again = cfn.send(new ExecuteChangeSetCommand({ StackName: 'engine-kms-logs', ChangeSetName: 'initial' }));
    await expect(again).rejects.toMatchObject({
      name: 'InvalidChangeSetStatusException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringMatching(/cannot be executed in its current execution status of \[EXECUTE_COMPLETE\]/),
    });
    expect((await stackOf('engine-kms-logs'))?.StackStatus).toBe('CREATE_COMPLETE');
    for (const name of ['engine-kms-logs', 'engine-order-stack', 'engine-order-changeset']) {
      await cfn.send(new DeleteStackCommand({ StackName: name }));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// The real templates: infra/cloudformation 00-foundation + 03-eks, deployed in order through change sets
// ---------------------------------------------------------------------------------------------------------

const INFRA = join(ROOT, 'infra', 'cloudformation');
const REAL_STACKS = [
  ['vpc', '00-foundation/vpc.yaml'],
  ['security-groups', '00-foundation/security-groups.yaml'],
  ['iam-roles', '00-foundation/iam-roles.yaml'],
  ['cluster', '03-eks/cluster.yaml'],
  ['node-groups', '03-eks/node-groups.yaml'],
  ['addons', '03-eks/addons.yaml'],
] as const;
const realStackName = (short: string): string => `infra-agent-dev-${short}`;
const real: Record<string, Map<string, StackResource>> = {};
/** Physical id of a resource of one of the real stacks deployed below. */
const realId = (short: string, logicalId: string): string =>
  physicalId(real[short] ?? new Map<string, StackResource>(), logicalId);

describe('moto extension: the real foundation and EKS templates', () => {
  test.each(REAL_STACKS)('%s deploys with every resource created', async (short, file) => {
    const body = readFileSync(join(INFRA, file), 'utf8');
    const parameters: Parameter[] = [
      { ParameterKey: 'Environment', ParameterValue: 'dev' },
      { ParameterKey: 'IaCVersion', ParameterValue: '0123456789abcdef0123456789abcdef01234567' },
    ];
    // WorkerRoleArn has no default in iam-roles.yaml
    if (short === 'iam-roles') {
      parameters.push({
        ParameterKey: 'WorkerRoleArn',
        ParameterValue: 'arn:aws:iam::123456789012:role/infra-agent-worker',
      });
    }
    const stack = await deployWithChangeSet(realStackName(short), body, parameters);
    expect({ status: stack?.StackStatus, reason: stack?.StackStatusReason }).toEqual({
      status: 'CREATE_COMPLETE',
      reason: undefined,
    });
    const declared = (await cfn.send(new GetTemplateSummaryCommand({ TemplateBody: body }))).ResourceTypes ?? [];
    const resources = await resourcesOf(realStackName(short));
    expect(resources.size).toBe(declared.length);
    expect([...resources.values()].filter((r) => !r.PhysicalResourceId).map((r) => r.LogicalResourceId)).toEqual([]);
    real[short] = resources;
  });

  test('VPC: nine subnets incl. the three 100.64.x pod subnets, NAT gateways, NACL entries, flow log', async () => {
    const vpcId = realId('vpc', 'Vpc');
    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .Subnets;
    expect(subnets?.map((s) => s.CidrBlock).sort()).toEqual([
      '10.0.0.0/22',
      '10.0.4.0/22',
      '10.0.48.0/22',
      '10.0.52.0/22',
      '10.0.56.0/22',
      '10.0.8.0/22',
      '100.64.0.0/18',
      '100.64.128.0/18',
      '100.64.64.0/18',
    ]);
    const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .NatGateways;
    expect(nats?.map((n) => n.State)).toEqual(['available', 'available', 'available']);
    expect(nats?.[0]?.Tags).toEqual(expect.arrayContaining([{ Key: 'Environment', Value: 'dev' }]));

    const privateAcl = (
      await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [realId('vpc', 'PrivateNetworkAcl')] }))
    ).NetworkAcls?.[0];
    const rules = (privateAcl?.Entries ?? []).map((e) => `${e.Egress ? 'out' : 'in'}:${e.RuleNumber}:${e.RuleAction}`);
    expect(rules.sort()).toEqual(
      [
        'in:40:allow',
        'in:50:deny',
        'in:60:deny',
        'in:100:allow',
        'in:110:allow',
        'in:120:allow',
        'in:130:allow',
        'out:100:allow',
      ].sort(),
    );
    // 3 private + 3 pod subnets moved off the default ACL
    expect(privateAcl?.Associations).toHaveLength(6);
    // route table associations are real (Ref = association id)
    const podRouteTable = (
      await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [realId('vpc', 'PrivateRouteTableA')] }))
    ).RouteTables?.[0];
    expect(podRouteTable?.Associations?.map((a) => a.RouteTableAssociationId).sort()).toEqual(
      [realId('vpc', 'PrivateSubnetARouteTableAssociation'), realId('vpc', 'PodSubnetARouteTableAssociation')].sort(),
    );

    const flowLogs = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? [];
    expect(flowLogs.map((f) => f.FlowLogId)).toContain(realId('vpc', 'VpcFlowLog'));
    const group = (
      await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/infra-agent/dev/vpc-flow-logs' }))
    ).logGroups?.[0];
    expect(group?.retentionInDays).toBe(365);
    expect(group?.kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
  });

  test('security group rules, IAM roles, EKS cluster, node group and add-ons exist', async () => {
    const nodesSg = realId('security-groups', 'EksNodesSecurityGroup');
    const albSg = realId('security-groups', 'AlbSecurityGroup');
    const nodes = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [nodesSg] }))).SecurityGroups?.[0];
    const sources = (nodes?.IpPermissions ?? []).flatMap((p) => (p.UserIdGroupPairs ?? []).map((g) => g.GroupId));
    expect(sources.sort()).toEqual([albSg, nodesSg].sort());
    const alb = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [albSg] }))).SecurityGroups?.[0];
    const destinations = (alb?.IpPermissionsEgress ?? []).flatMap((p) =>
      (p.UserIdGroupPairs ?? []).map((g) => g.GroupId),
    );
    expect(destinations).toContain(nodesSg);

    for (const role of ['eks-cluster', 'eks-node', 'deploy', 'vpc-cni', 'ebs-csi', 'aws-lb-controller']) {
      const got = await iam.send(new GetRoleCommand({ RoleName: `infra-agent-dev-${role}` }));
      expect(got.Role?.Arn).toBe(`arn:aws:iam::123456789012:role/infra-agent-dev-${role}`);
    }

    const cluster = (await eks.send(new DescribeClusterCommand({ name: 'infra-agent-dev-cluster' }))).cluster;
    expect(cluster?.status).toBe('ACTIVE');
    expect(cluster?.resourcesVpcConfig?.securityGroupIds).toEqual([nodesSg]);
    const ng = (
      await eks.send(
        new DescribeNodegroupCommand({
          clusterName: 'infra-agent-dev-cluster',
          nodegroupName: 'infra-agent-dev-general',
        }),
      )
    ).nodegroup;
    const podSubnets = (await stackOf(realStackName('vpc')))?.Outputs?.find((o) => o.OutputKey === 'PodSubnetIds');
    expect(ng?.subnets).toEqual(podSubnets?.OutputValue?.split(','));
    expect(ng?.scalingConfig).toEqual({ minSize: 2, maxSize: 10, desiredSize: 3 });
    expect((await eks.send(new ListAddonsCommand({ clusterName: 'infra-agent-dev-cluster' }))).addons).toEqual([
      'aws-ebs-csi-driver',
      'coredns',
      'kube-proxy',
      'vpc-cni',
    ]);
  });

  test('drift: every resource of the real stacks is checked and in sync after deploy', async () => {
    for (const [short] of REAL_STACKS) {
      expect({ short, status: await detectDrift(realStackName(short)) }).toEqual({ short, status: 'IN_SYNC' });
      const drifts =
        (await cfn.send(new DescribeStackResourceDriftsCommand({ StackName: realStackName(short) })))
          .StackResourceDrifts ?? [];
      expect(drifts).toHaveLength(real[short]?.size ?? -1);
      const notInSync = drifts
        .filter((d) => d.StackResourceDriftStatus !== 'IN_SYNC')
        .map((d) => `${d.LogicalResourceId} ${d.StackResourceDriftStatus} ${JSON.stringify(d.PropertyDifferences)}`);
      expect(notInSync).toEqual([]);
    }
  });

  test('drift: an ingress rule added, a tag removed, a flow log deleted, a policy widened -> AWS-shaped report', async () => {
    const bastion = realId('security-groups', 'BastionSecurityGroup');
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: bastion,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    await ec2.send(
      new DeleteTagsCommand({ Resources: [realId('security-groups', 'AlbSecurityGroup')], Tags: [{ Key: 'Owner' }] }),
    );
    await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [realId('vpc', 'VpcFlowLog')] }));
    const policy = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'infra-agent-dev-deploy', PolicyName: 'deploy-environment-stacks' }),
    );
    const document = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? '{}')) as {
      Statement: { Action: string[] }[];
    };
    document.Statement[0]?.Action.push('iam:PassRole');
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'infra-agent-dev-deploy',
        PolicyName: 'deploy-environment-stacks',
        PolicyDocument: JSON.stringify(document),
      }),
    );

    const modified = async (short: string): Promise<Map<string, StackResourceDrift>> => {
      expect(await detectDrift(realStackName(short))).toBe('DRIFTED');
      const drifts = await cfn.send(
        new DescribeStackResourceDriftsCommand({
          StackName: realStackName(short),
          StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
        }),
      );
      return new Map((drifts.StackResourceDrifts ?? []).map((d) => [d.LogicalResourceId ?? '', d]));
    };

    const groups = await modified('security-groups');
    expect([...groups.keys()].sort()).toEqual(['AlbSecurityGroup', 'BastionSecurityGroup']);
    expect(groups.get('BastionSecurityGroup')?.PropertyDifferences).toEqual([
      {
        PropertyPath: '/SecurityGroupIngress/1',
        ExpectedValue: 'null',
        ActualValue: '{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}',
        DifferenceType: 'ADD',
      },
    ]);
    expect(groups.get('AlbSecurityGroup')?.PropertyDifferences).toEqual([
      {
        PropertyPath: '/Tags/2',
        ExpectedValue: '{"Key":"Owner","Value":"platform-team"}',
        ActualValue: 'null',
        DifferenceType: 'REMOVE',
      },
    ]);
    const expectedProps = JSON.parse(groups.get('AlbSecurityGroup')?.ExpectedProperties ?? '{}') as object;
    expect(expectedProps).toMatchObject({ GroupDescription: expect.stringContaining('ALB') });
    expect(JSON.parse(groups.get('AlbSecurityGroup')?.ActualProperties ?? '{}')).toHaveProperty('Tags');

    const network = await modified('vpc');
    expect([...network.keys()]).toEqual(['VpcFlowLog']);
    expect(network.get('VpcFlowLog')?.StackResourceDriftStatus).toBe('DELETED');

    const roles = await modified('iam-roles');
    expect([...roles.keys()]).toEqual(['DeployRole']);
    expect(roles.get('DeployRole')?.PropertyDifferences).toEqual([
      {
        PropertyPath: '/Policies/0/PolicyDocument/Statement/0/Action/12',
        ExpectedValue: 'null',
        ActualValue: 'iam:PassRole',
        DifferenceType: 'ADD',
      },
    ]);
  });

  test('deleting the stacks (reverse order) removes NAT gateways, EIPs, flow logs and the VPC', async () => {
    const vpcId = realId('vpc', 'Vpc');
    const flowLogId = realId('vpc', 'VpcFlowLog');
    for (const [short] of [...REAL_STACKS].reverse()) {
      await cfn.send(new DeleteStackCommand({ StackName: realStackName(short) }));
      const left = ((await cfn.send(new ListStacksCommand({}))).StackSummaries ?? []).filter(
        (s) => s.StackName === realStackName(short) && s.StackStatus !== 'DELETE_COMPLETE',
      );
      expect(left.map((s) => `${s.StackStatus} ${s.StackStatusReason ?? ''}`)).toEqual([]);
    }
    const nats = (await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'vpc-id', Values: [vpcId] }] })))
      .NatGateways;
    expect(nats?.map((n) => n.State)).toEqual(['deleted', 'deleted', 'deleted']);
    expect((await ec2.send(new DescribeAddressesCommand({}))).Addresses).toEqual([]);
    expect(((await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs ?? []).map((f) => f.FlowLogId)).not.toContain(
      flowLogId,
    );
    expect(((await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []).map((v) => v.VpcId)).not.toContain(vpcId);
    expect((await cfn.send(new ListExportsCommand({}))).Exports).toEqual([]);
  });
});
