import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput } from '../../core/errors';
import type { OperationPolicy } from '../../core/operation-policy';
import { operationPolicy } from '../../core/operation-policy';

/** The worker's own configuration of environments and people: the only source of approval policy. */
export interface ApprovalPolicyDeps {
  readonly policyConfig: Pick<AppConfig, 'environments' | 'users'>;
}

export interface ResolveApprovalPolicyInput {
  readonly environment: EnvironmentName;
}

export function createApprovalPolicyActivities(deps: ApprovalPolicyDeps) {
  return {
    /**
     * The approval policy of an environment as this worker's configuration defines it. Operations call it when
     * they start, so who may approve is decided where it is enforced, never by the client that asked.
     */
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity returns a promise
    async resolveApprovalPolicy(input: ResolveApprovalPolicyInput): Promise<OperationPolicy> {
      const env = deps.policyConfig.environments[input.environment];
      if (!env) {
        throw new InvalidInput(
          `environment: '${String(input.environment)}' is not configured on this worker; add it under environments: in the worker's config`,
        );
      }
      return operationPolicy(env, deps.policyConfig.users);
    },
  };
}
