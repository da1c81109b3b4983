import type { CloudFormationClient, StackResource } from '@aws-sdk/client-cloudformation';
import {
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import { parseCfnTemplate } from '../../core/compliance/cfn-template';
import type { DeclaredResource, LiveLookup, StackVerifyState } from '../../core/verify/stack';

export interface VerifyDeps {
  readonly aws: AwsClientFactory;
}

/** Input of `readStackVerification`: one stack in one region. */
export interface ReadStackVerificationInput {
  readonly region: string;
  readonly stackName: string;
}

// CloudFormation answers a missing stack with a ValidationError and no more specific name: its text is all there is.
const NOT_FOUND = /does not exist/i;
const isNotFound = (e: unknown): boolean =>
  e instanceof Error && e.name === 'ValidationError' && NOT_FOUND.test(e.message);

/** EC2's error names for an id it does not know (classified by name, never by text). */
const EC2_NOT_FOUND = new Set([
  'InvalidVpcID.NotFound',
  'InvalidSubnetID.NotFound',
  'InvalidGroup.NotFound',
  'InvalidGroupId.Malformed',
]);

/** The resource types EC2 can describe by id, and how: each call answers with the ids it found. */
const LOOKUPS: Readonly<Record<string, (ec2: EC2Client, id: string) => Promise<number>>> = {
  'AWS::EC2::VPC': async (ec2, id) => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs?.length ?? 0,
  'AWS::EC2::Subnet': async (ec2, id) =>
    (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.length ?? 0,
  'AWS::EC2::SecurityGroup': async (ec2, id) =>
    (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups?.length ?? 0,
};

async function lookUp(ec2: EC2Client, r: StackResource): Promise<LiveLookup | undefined> {
  const describe = r.ResourceType ? LOOKUPS[r.ResourceType] : undefined;
  if (!describe || !r.PhysicalResourceId || !/^(CREATE|UPDATE|IMPORT)_COMPLETE$/.test(r.ResourceStatus ?? ''))
    return undefined;
  const base = { logicalId: r.LogicalResourceId ?? '?', type: r.ResourceType ?? '?', physicalId: r.PhysicalResourceId };
  try {
    return { ...base, found: (await describe(ec2, r.PhysicalResourceId)) > 0 };
  } catch (e) {
    if (e instanceof Error && EC2_NOT_FOUND.has(e.name)) return { ...base, found: false };
    throw e;
  }
}

async function deployedTemplate(
  client: CloudFormationClient,
  stackName: string,
): Promise<Pick<StackVerifyState, 'declared' | 'declaredOutputs' | 'templateError'>> {
  const out = await client.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }));
  const parsed = parseCfnTemplate(out.TemplateBody ?? '');
  if (!parsed.ok) return { templateError: parsed.reason };
  const conditionOf = (v: unknown): string | undefined => {
    const c = (v as { Condition?: unknown } | undefined)?.Condition;
    return typeof c === 'string' ? c : undefined;
  };
  const declared: DeclaredResource[] = Object.entries(parsed.template.Resources).map(([logicalId, r]) => {
    const condition = conditionOf(r);
    return { logicalId, type: typeof r.Type === 'string' ? r.Type : '?', ...(condition ? { condition } : {}) };
  });
  const declaredOutputs = Object.entries(parsed.template.Outputs ?? {}).map(([key, o]) => {
    const condition = conditionOf(o);
    return { key, ...(condition ? { condition } : {}) };
  });
  return { declared, declaredOutputs };
}

/**
 * Read-only, for `verify {stack} {env}` and the check after a deploy: the stack (DescribeStacks), its deployed
 * template (GetTemplate), its resources (DescribeStackResources), and the VPCs, subnets and security groups it holds
 * looked up in EC2. Judged by core/verify/stack.ts. A stack never deployed (or deleted) is `exists: false`.
 */
export function createVerifyActivities(deps: VerifyDeps) {
  return {
    async readStackVerification(input: ReadStackVerificationInput): Promise<StackVerifyState> {
      const client = deps.aws.cloudFormation({ region: input.region });
      const checkedAt = new Date().toISOString();
      let stack;
      try {
        stack = (await client.send(new DescribeStacksCommand({ StackName: input.stackName }))).Stacks?.[0];
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (!stack || stack.StackStatus === 'DELETE_COMPLETE')
        return { stackName: input.stackName, checkedAt, exists: false, resources: [], outputs: {}, lookups: [] };
      const name = stack.StackId ?? input.stackName;
      const [template, listed] = await Promise.all([
        deployedTemplate(client, name),
        client.send(new DescribeStackResourcesCommand({ StackName: name })),
      ]);
      const resources = listed.StackResources ?? [];
      const ec2 = deps.aws.ec2({ region: input.region });
      const lookups: LiveLookup[] = [];
      for (const r of resources) {
        const l = await lookUp(ec2, r);
        if (l) lookups.push(l);
      }
      return {
        stackName: input.stackName,
        checkedAt,
        exists: true,
        status: stack.StackStatus ?? 'UNKNOWN',
        ...(stack.StackStatusReason ? { reason: stack.StackStatusReason } : {}),
        ...template,
        resources: resources.map((r) => ({
          logicalId: r.LogicalResourceId ?? '?',
          type: r.ResourceType ?? '?',
          ...(r.PhysicalResourceId ? { physicalId: r.PhysicalResourceId } : {}),
          status: r.ResourceStatus ?? '?',
          ...(r.ResourceStatusReason ? { reason: r.ResourceStatusReason } : {}),
        })),
        outputs: Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '?', o.OutputValue ?? ''])),
        lookups,
      };
    },
  };
}
