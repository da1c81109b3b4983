import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { EnvironmentName } from '../../core/environments';

export interface GetCallerIdentityInput {
  readonly environment: EnvironmentName;
  readonly region: string;
}

/** Who the worker is in an environment's AWS account. */
export interface GetCallerIdentityResult {
  readonly environment: EnvironmentName;
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  readonly region: string;
}

export interface IdentityDeps {
  readonly aws: AwsClientFactory;
}

export function createIdentityActivities(deps: IdentityDeps) {
  return {
    /** Read-only: STS GetCallerIdentity with the credentials the worker uses for this environment. */
    async getCallerIdentity(input: GetCallerIdentityInput): Promise<GetCallerIdentityResult> {
      const sts = deps.aws.sts({ region: input.region });
      try {
        const id = await sts.send(new GetCallerIdentityCommand({}));
        return {
          environment: input.environment,
          account: id.Account ?? '',
          arn: id.Arn ?? '',
          userId: id.UserId ?? '',
          region: input.region,
        };
      } finally {
        sts.destroy();
      }
    },
  };
}
