import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnvironmentName } from '../core/environments';
import type { FreezesReport } from '../core/freezes';
import { freezesReport } from '../core/freezes';
import { shortActivity } from './activity-options';

export interface ChangeFreezesInput {
  readonly environment: EnvironmentName;
}

const { resolveApprovalPolicy } = proxyActivities<Activities>(shortActivity);

/**
 * Read-only, `freezes {env}`: the environment's change freezes as the **worker's** config has them (the same
 * activity every write workflow resolves its policy with), which one refuses writes now and when each comes next,
 * judged on the workflow's clock by the same function as the write workflows' check.
 */
export async function changeFreezesWorkflow(input: ChangeFreezesInput): Promise<FreezesReport> {
  const policy = await resolveApprovalPolicy({ environment: input.environment });
  return freezesReport(input.environment, policy.changeFreezes, Date.now());
}
