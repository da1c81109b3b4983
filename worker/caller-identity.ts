import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AppConfig } from '../core/config';

/**
 * The terminal caller's own AWS identity: STS GetCallerIdentity signed with the default credential chain (the
 * caller's environment, profile or SSO session — never the worker's configured keys). STS answers for any valid
 * credentials, needs no permission, and cannot be answered for someone else's keys: it proves who is calling.
 * `aws.endpoint` (the sandbox's moto) is used when set.
 */
export async function callerArn(
  config: Pick<AppConfig, 'aws' | 'environments'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || config.environments.dev.region || 'us-east-1';
  const sts = new STSClient({
    region,
    maxAttempts: 2,
    ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}),
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn) throw new Error('STS returned no ARN');
    return out.Arn;
  } finally {
    sts.destroy();
  }
}
