import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/errors';

/** The one place retry policies are defined; workflows pick a profile, never write their own. */
const retry: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  maximumAttempts: 5,
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** Quick reads and idempotent calls (AWS describe, STS, audit append). */
export const shortActivity: ActivityOptions = { startToCloseTimeout: '1m', retry };

/** Running CLIs over many files (cfn-lint, cfn-guard). */
export const toolActivity: ActivityOptions = { startToCloseTimeout: '10m', retry: { ...retry, maximumAttempts: 3 } };

/** Long waits that poll inside one activity and heartbeat (stack stabilisation). */
export const waitActivity: ActivityOptions = {
  startToCloseTimeout: '3h',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: 10 },
};

/** Notifications: never allowed to fail or block the operation (they give up quietly after a while). */
export const notifyActivity: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { ...retry, maximumAttempts: 20, maximumInterval: '1m' },
};

/** Side effects that cannot check whether they already happened (a file sent to Slack): one retry at most. */
export const sendOnceActivity: ActivityOptions = {
  startToCloseTimeout: '3m',
  retry: { ...retry, initialInterval: '2s', maximumAttempts: 2 },
};
