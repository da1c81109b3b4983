import { proxyActivities } from '@temporalio/workflow';
import type { GetCallerIdentityResult } from '../activities/access/identity';
import type { Activities } from '../activities';
import type { EnvironmentName } from '../core/environments';
import type { Requester } from '../core/requester';
import { shortActivity } from './activity-options';

export interface WhoamiInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly requester: Requester;
}

const { getCallerIdentity } = proxyActivities<Activities>(shortActivity);

/** The smallest end-to-end operation: which AWS identity the worker has in an environment. Read-only. */
export async function whoamiWorkflow(input: WhoamiInput): Promise<GetCallerIdentityResult> {
  return getCallerIdentity({ environment: input.environment, region: input.region });
}
