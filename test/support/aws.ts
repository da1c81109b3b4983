import {
  CloudFormationClient,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import type { AppConfig } from '../../core/config';

/** Test-side AWS clients against the sandbox endpoint, to check what a user would see in AWS. */
export function awsClients(config: AppConfig) {
  const opts = {
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const cfn = new CloudFormationClient(opts);
  const logs = new CloudWatchLogsClient(opts);
  return {
    cfn,
    logs,
    /** The stack's status, or undefined when it does not exist. */
    async stackStatus(stackName: string): Promise<string | undefined> {
      try {
        const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
        const s = out.Stacks?.[0]?.StackStatus;
        return s === 'DELETE_COMPLETE' ? undefined : s;
      } catch {
        return undefined;
      }
    },
    async events(stackName: string) {
      return (await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents ?? [];
    },
    async resources(stackName: string) {
      const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
      return out.StackResources ?? [];
    },
    async changeSetExists(stackName: string, changeSetName: string): Promise<boolean> {
      try {
        await cfn.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }));
        return true;
      } catch (e) {
        if ((e as Error).name === 'ChangeSetNotFoundException' || (e as Error).name === 'ValidationError') return false;
        throw e;
      }
    },
    async logGroup(name: string) {
      const out = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }));
      return out.logGroups?.find((g) => g.logGroupName === name);
    },
    destroy(): void {
      cfn.destroy();
      logs.destroy();
    },
  };
}

/** An IAM user in the sandbox's moto (created if missing) and a fresh access key of its, as the environment a CLI reads. */
export async function iamUserKeys(
  config: AppConfig,
  user: string,
): Promise<{ AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string }> {
  const iam = new IAMClient({
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    await iam.send(new CreateUserCommand({ UserName: user })).catch((e: Error) => {
      if (!e.name.startsWith('EntityAlreadyExists')) throw e; // EntityAlreadyExistsException from this SDK
    });
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error(`moto returned no access key for ${user}`);
    return { AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
  } finally {
    iam.destroy();
  }
}
