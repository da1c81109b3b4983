import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsConfig } from '../../core/config';
import type { EnvironmentConfig } from '../../core/environments';
import { PermissionDenied } from '../../core/errors';

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
export function createAwsClientFactory(
  aws: AwsConfig,
  opts: { readonly environments?: Readonly<Record<string, Pick<EnvironmentConfig, 'name' | 'account'>>> } = {},
): AwsClientFactory {
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
  const guard = opts.environments ? createAccountGuard(opts.environments, base) : undefined;
  const guarded = <C extends Guardable>(client: C): C => (guard ? guard(client) : client);
  return {
    cloudFormation: (t) => guarded(new CloudFormationClient(base(t))),
    // Not guarded: the guard itself and AssumeRole (the broker) go through it.
    sts: (t) => new STSClient(base(t)),
    elbv2: (t) => guarded(new ElasticLoadBalancingV2Client(base(t))),
    cloudWatch: (t) => guarded(new CloudWatchClient(base(t))),
    ec2: (t) => guarded(new EC2Client(base(t))),
    costExplorer: (t) => guarded(new CostExplorerClient(base({ ...t, region: 'us-east-1' }))),
  };
}

/** The part of an SDK v3 client the guard needs: its middleware stack and its resolved credentials. */
interface Guardable {
  readonly middlewareStack: { add(mw: unknown, opts: { step: 'initialize'; name: string }): void };
  readonly config: { credentials: () => Promise<AwsCredentialIdentity>; region: () => Promise<string> };
}

/**
 * Every environment lives in its own AWS account (config `environments.<env>.account`); a call made for one must
 * never land in another's. Before a client's first request, the guard asks STS (GetCallerIdentity, with the very
 * credentials the client will sign with) which account they belong to, and refuses — before anything is sent —
 * when it is not the configured account. Answers are cached per access key, so it is one STS call per
 * credential per process. `environments` are the ones this worker serves (INFRA_AGENT_WORKER_SERVES): when they span
 * several accounts, every call is refused — a call could not say which account it is for — so each account gets
 * its own task queue and worker (core/task-queues.ts).
 */
function createAccountGuard(
  environments: Readonly<Record<string, Pick<EnvironmentConfig, 'name' | 'account'>>>,
  base: (t: AwsTarget) => Record<string, unknown>,
): <C extends Guardable>(client: C) => C {
  const envs = Object.values(environments);
  const accounts = [...new Set(envs.map((e) => e.account))];
  const byKey = new Map<string, Promise<string>>();
  const accountOf = async (credentials: AwsCredentialIdentity, region: string): Promise<string> => {
    let known = byKey.get(credentials.accessKeyId);
    if (!known) {
      const sts = new STSClient(base({ region, credentials }));
      known = sts
        .send(new GetCallerIdentityCommand({}))
        .then((out) => out.Account ?? '')
        .finally(() => sts.destroy());
      byKey.set(credentials.accessKeyId, known);
      // A failed lookup (STS unreachable) is asked again next time; only answers are kept.
      known.catch(() => byKey.delete(credentials.accessKeyId));
    }
    return known;
  };
  return (client) => {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        if (accounts.length !== 1) {
          throw new PermissionDenied(
            accounts.length === 0
              ? `this worker serves no environment (INFRA_AGENT_WORKER_SERVES), so it makes no AWS call; ` +
                  `refused before sending. AWS work runs on an environment's task queue.`
              : `the environments this worker serves are in ${accounts.length} AWS accounts (${envs.map((e) => `${e.name}: ${e.account}`).join(', ')}), ` +
                  `so a call cannot be tied to its environment's account; refused before sending. Give each account ` +
                  `its own task queue and worker (environments.<env>.taskQueue, INFRA_AGENT_WORKER_SERVES; docs/delivery.md, "Accounts").`,
          );
        }
        const expected = accounts[0];
        const account = await accountOf(await client.config.credentials(), await client.config.region());
        if (account !== expected) {
          throw new PermissionDenied(
            `these AWS credentials belong to account ${account || '(unknown)'}, but ${envs.map((e) => e.name).join(', ')} ` +
              `${envs.length === 1 ? 'is' : 'are'} account ${expected}; refused before sending anything. Give the worker ` +
              `credentials in ${expected}, or fix environments.<env>.account in the config.`,
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'infraAgentAccountGuard' },
    );
    return client;
  };
}
