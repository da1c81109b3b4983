/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- these tests read untyped YAML documents */
import { runCfnLint } from '../../../adapters/cli/cfn-lint';
import { createRunCommand } from '../../../adapters/cli/run-command';
import { findMissingTags } from '../../../core/compliance/mandatory-tags';
import { collect, loadTemplate, props, resourcesOfType } from '../support/templates';
import { REPO_ROOT, requireTool, templateFiles } from '../support/tools';
import { join } from 'node:path';

const VPC = 'infra/cloudformation/00-foundation/vpc.yaml';
const SGS = 'infra/cloudformation/00-foundation/security-groups.yaml';
const IAM = 'infra/cloudformation/00-foundation/iam-roles.yaml';
const CLUSTER = 'infra/cloudformation/03-eks/cluster.yaml';
const NODES = 'infra/cloudformation/03-eks/node-groups.yaml';
const ADDONS = 'infra/cloudformation/03-eks/addons.yaml';

describe('CloudFormation templates', () => {
  it('GIVEN the six foundation and EKS templates WHEN listed THEN they are all there', () => {
    expect(templateFiles()).toEqual([IAM, SGS, VPC, ADDONS, CLUSTER, NODES]);
  });

  it('GIVEN every template WHEN the real cfn-lint runs once over all of them THEN it reports nothing', async () => {
    const findings = await runCfnLint({
      run: createRunCommand(),
      bin: requireTool('cfn-lint'),
      files: templateFiles().map((f) => join(REPO_ROOT, f)),
    });
    expect(findings).toEqual([]);
  });

  it('GIVEN every template WHEN checked for mandatory tags THEN every taggable resource has all four', () => {
    for (const file of templateFiles()) expect({ file, missing: findMissingTags(loadTemplate(file)) }).toEqual({ file, missing: [] });
  });

  it('GIVEN every Fn::ImportValue WHEN matched against the Export names THEN another template exports it', () => {
    const exportsOf = (f: string): unknown[] => collect(loadTemplate(f).Outputs ?? {}, 'Export').map((e) => (e as any).Name['Fn::Sub']);
    const exported = new Set(templateFiles().flatMap(exportsOf));
    const imported = templateFiles().flatMap((f) => collect(loadTemplate(f).Resources, 'Fn::ImportValue').map((v) => (v as any)['Fn::Sub']));
    expect(imported.length).toBeGreaterThan(10);
    for (const name of imported) expect(exported).toContain(name);
    for (const name of exported) expect(name).toMatch(/^infra-agent-\$\{Environment\}-[a-z0-9-]+$/);
  });
});

describe('00-foundation/vpc.yaml', () => {
  const t = loadTemplate(VPC);

  it('GIVEN the seed CIDR table WHEN the subnets are read THEN each AZ has its public, private and pod subnet', () => {
    const cidrs = Object.fromEntries(resourcesOfType(t, 'AWS::EC2::Subnet').map(([id, p]) => [id, p.CidrBlock]));
    expect(cidrs).toEqual({
      PublicSubnetA: '10.0.0.0/22',
      PublicSubnetB: '10.0.4.0/22',
      PublicSubnetC: '10.0.8.0/22',
      PrivateSubnetA: '10.0.48.0/22',
      PrivateSubnetB: '10.0.52.0/22',
      PrivateSubnetC: '10.0.56.0/22',
      PodSubnetA: '100.64.0.0/18',
      PodSubnetB: '100.64.64.0/18',
      PodSubnetC: '100.64.128.0/18',
    });
    expect(props(t, 'PodCidrBlock')).toEqual({ VpcId: { Ref: 'Vpc' }, CidrBlock: '100.64.0.0/16' });
    expect(t.Resources.PodSubnetA?.DependsOn).toBe('PodCidrBlock');
  });

  it('GIVEN the NAT gateways WHEN their subnets and routes are read THEN they sit in public subnets and serve private and pod subnets', () => {
    for (const az of ['A', 'B', 'C']) {
      expect(props(t, `NatGateway${az}`).SubnetId).toEqual({ Ref: `PublicSubnet${az}` });
      expect(props(t, `PrivateDefaultRoute${az}`)).toMatchObject({ NatGatewayId: { Ref: `NatGateway${az}` }, DestinationCidrBlock: '0.0.0.0/0' });
      expect(props(t, `PodSubnet${az}RouteTableAssociation`).RouteTableId).toEqual({ Ref: `PrivateRouteTable${az}` });
      expect(props(t, `PublicSubnet${az}RouteTableAssociation`).RouteTableId).toEqual({ Ref: 'PublicRouteTable' });
    }
    expect(props(t, 'PublicDefaultRoute').GatewayId).toEqual({ Ref: 'InternetGateway' });
  });

  it('GIVEN the flow log WHEN read THEN it logs ALL traffic to an encrypted, retained log group with an explicit format', () => {
    const flowLog = props(t, 'VpcFlowLog');
    expect(flowLog).toMatchObject({ ResourceId: { Ref: 'Vpc' }, TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    for (const field of ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'start', 'end', 'action', 'log-status']) {
      expect(flowLog.LogFormat).toContain(`\${${field}}`);
    }
    expect(props(t, 'FlowLogGroup')).toMatchObject({ RetentionInDays: { Ref: 'FlowLogRetentionDays' }, KmsKeyId: { 'Fn::GetAtt': ['FlowLogKey', 'Arn'] } });
  });

  it('GIVEN the network ACLs WHEN their entries are read THEN both deny SSH and RDP from the internet', () => {
    const denies = resourcesOfType(t, 'AWS::EC2::NetworkAclEntry').filter(([, p]) => p.RuleAction === 'deny');
    const deniedPorts = (acl: string): number[] =>
      denies.filter(([, p]) => p.NetworkAclId.Ref === acl && p.CidrBlock === '0.0.0.0/0').map(([, p]) => p.PortRange.From);
    expect(deniedPorts('PublicNetworkAcl').sort()).toEqual([22, 3389]);
    expect(deniedPorts('PrivateNetworkAcl').sort()).toEqual([22, 3389]);
    expect(resourcesOfType(t, 'AWS::EC2::SubnetNetworkAclAssociation')).toHaveLength(9);
  });
});

describe('00-foundation/security-groups.yaml', () => {
  const t = loadTemplate(SGS);
  const cidrIngress = resourcesOfType(t, 'AWS::EC2::SecurityGroup').flatMap(([id, p]) =>
    ((p.SecurityGroupIngress ?? []) as Array<Record<string, unknown>>).map((rule): Record<string, unknown> => ({ id, ...rule })),
  );

  it('GIVEN all ingress rules WHEN filtered to the internet THEN only the ALB admits 443', () => {
    expect(cidrIngress.filter((r) => r.CidrIp === '0.0.0.0/0')).toEqual([
      expect.objectContaining({ id: 'AlbSecurityGroup', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
  });

  it('GIVEN the RDS group WHEN read THEN 5432 comes only from the nodes and nothing goes out', () => {
    const rds = props(t, 'RdsSecurityGroup');
    expect(rds.SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 5432, ToPort: 5432, SourceSecurityGroupId: { Ref: 'EksNodesSecurityGroup' } }),
    ]);
    expect(rds.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '127.0.0.1/32' })]);
  });

  it('GIVEN the bastion, ALB and node groups WHEN read THEN they follow the seed rules', () => {
    expect(props(t, 'BastionSecurityGroup').SecurityGroupIngress).toEqual([
      expect.objectContaining({ FromPort: 22, ToPort: 22, CidrIp: { Ref: 'VpnCidr' } }),
    ]);
    expect(props(t, 'AlbEgressToNodes').DestinationSecurityGroupId).toEqual({ Ref: 'EksNodesSecurityGroup' });
    expect(props(t, 'EksNodesIngressFromAlb').SourceSecurityGroupId).toEqual({ Ref: 'AlbSecurityGroup' });
    expect(props(t, 'EksNodesIngressFromSelf').SourceSecurityGroupId).toEqual({ Ref: 'EksNodesSecurityGroup' });
  });
});

describe('00-foundation/iam-roles.yaml', () => {
  const t = loadTemplate(IAM);

  it('GIVEN the deploy role trust policy WHEN read THEN only the worker role may assume it, and in PRD only with SourceIdentity and an approval-id tag', () => {
    const role = props(t, 'DeployRole');
    expect(role.MaxSessionDuration).toBe(3600);
    const [statement] = role.AssumeRolePolicyDocument.Statement;
    expect(role.AssumeRolePolicyDocument.Statement).toHaveLength(1);
    expect(statement.Principal).toEqual({ AWS: { Ref: 'WorkerRoleArn' } });
    expect(statement.Condition).toEqual({
      'Fn::If': ['IsPrd', { Null: { 'sts:SourceIdentity': 'false', 'aws:RequestTag/approval-id': 'false' } }, { Ref: 'AWS::NoValue' }],
    });
    expect(t.Conditions).toEqual({ IsPrd: { 'Fn::Equals': [{ Ref: 'Environment' }, 'prd'] } });
  });

  it('GIVEN every IAM statement in every template WHEN its resources are read THEN none is a wildcard', () => {
    const resources = templateFiles().flatMap((f) =>
      resourcesOfType(loadTemplate(f), 'AWS::IAM::Role').flatMap(([, p]) => collect(p.Policies ?? [], 'Resource')),
    );
    expect(resources.length).toBeGreaterThan(5);
    for (const r of resources.flat()) expect(r).not.toBe('*');
  });
});

describe('03-eks', () => {
  it('GIVEN the cluster WHEN read THEN it is EKS 1.32 with a private endpoint only, KMS secrets and all five log types', () => {
    const t = loadTemplate(CLUSTER);
    const cluster = props(t, 'Cluster');
    expect((t.Parameters?.KubernetesVersion as any).Default).toBe('1.32');
    expect(cluster.Version).toEqual({ Ref: 'KubernetesVersion' });
    expect(cluster.ResourcesVpcConfig).toMatchObject({ EndpointPrivateAccess: true, EndpointPublicAccess: false });
    expect(cluster.EncryptionConfig).toEqual([{ Provider: { KeyArn: { 'Fn::GetAtt': ['ClusterKey', 'Arn'] } }, Resources: ['secrets'] }]);
    expect(cluster.Logging.ClusterLogging.EnabledTypes.map((x: { Type: string }) => x.Type)).toEqual([
      'api',
      'audit',
      'authenticator',
      'controllerManager',
      'scheduler',
    ]);
  });

  it('GIVEN the node group WHEN read THEN it runs m5.large/m5a.large, 2..10 desired 3, in the pod subnets', () => {
    const ng = props(loadTemplate(NODES), 'NodeGroup');
    expect(ng.InstanceTypes).toEqual(['m5.large', 'm5a.large']);
    expect(ng.ScalingConfig).toEqual({ MinSize: 2, MaxSize: 10, DesiredSize: 3 });
    expect(JSON.stringify(ng.Subnets)).toContain('infra-agent-${Environment}-pod-subnet-ids');
  });

  it('GIVEN the add-ons WHEN read THEN vpc-cni, coredns, kube-proxy and EBS CSI are installed and the LB controller has a role', () => {
    const t = loadTemplate(ADDONS);
    expect(resourcesOfType(t, 'AWS::EKS::Addon').map(([, p]) => p.AddonName).sort()).toEqual([
      'aws-ebs-csi-driver',
      'coredns',
      'kube-proxy',
      'vpc-cni',
    ]);
    expect(JSON.stringify(props(t, 'LoadBalancerControllerRole').AssumeRolePolicyDocument)).toContain(
      'system:serviceaccount:kube-system:aws-load-balancer-controller',
    );
  });
});
