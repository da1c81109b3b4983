import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsConfig } from '../../core/config';

/** Where a client talks and as whom. */
export interface AwsTarget {
  readonly region: string;
  /** Temporary credentials (e.g. from AssumeRole); otherwise the config's or the default chain. */
  readonly credentials?: AwsCredentialIdentity;
}

/** Builds AWS SDK clients for one target. The sandbox differs from production only by endpoint and credentials. */
export interface AwsClientFactory {
  cloudFormation(target: AwsTarget): CloudFormationClient;
  sts(target: AwsTarget): STSClient;
  /** ALB listeners and target groups (blue/green traffic weights in PRD). */
  elbv2(target: AwsTarget): ElasticLoadBalancingV2Client;
  /** Metrics for rollout analysis (e.g. a target group's 5xx count). */
  cloudWatch(target: AwsTarget): CloudWatchClient;
  /** VPCs and subnets (the sandbox seeds its load balancers into one). */
  ec2(target: AwsTarget): EC2Client;
  /** Cost Explorer (its one endpoint is in us-east-1, whatever the target's region). */
  costExplorer(target: AwsTarget): CostExplorerClient;
}

/**
 * SDK retries stay modest: Temporal owns retries of whole activities, and the outcome-unknown checks in the
 * activities decide whether a mutating call may be repeated.
 */
export function createAwsClientFactory(aws: AwsConfig): AwsClientFactory {
  const base = (target: AwsTarget): Record<string, unknown> => ({
    region: target.region,
    maxAttempts: 3,
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(target.credentials
      ? { credentials: target.credentials }
      : aws.accessKeyId && aws.secretAccessKey
        ? { credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } }
        : {}),
  });
  return {
    cloudFormation: (t) => new CloudFormationClient(base(t)),
    sts: (t) => new STSClient(base(t)),
    elbv2: (t) => new ElasticLoadBalancingV2Client(base(t)),
    cloudWatch: (t) => new CloudWatchClient(base(t)),
    ec2: (t) => new EC2Client(base(t)),
    costExplorer: (t) => new CostExplorerClient(base({ ...t, region: 'us-east-1' })),
  };
}
