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
  heartbeatTimeout: '20s',
  retry: { ...retry, initialInterval: '2s', maximumAttempts: 2 },
};

/**
 * Putting traffic back on the old colour (rollback, abort, a rollout that failed after traffic moved): a transient
 * failure (the Kubernetes API or AWS down for a while) is retried without limit, backing off to one attempt every
 * 30 s, because giving up would leave traffic split. The activity heartbeats, so a dead worker is noticed within
 * 30 s. Non-retryable errors (no permission, a router that is not ours) still end it: the workflow then reports the
 * split loudly. The workflow raises on call when a restore has been failing for a minute (workflows/rollout-flow.ts).
 */
export const restoreActivity: ActivityOptions = {
  startToCloseTimeout: '3m',
  heartbeatTimeout: '30s',
  retry: { ...retry, maximumAttempts: Number.POSITIVE_INFINITY },
};

/*
 * Heartbeating profiles. A worker killed mid-activity stops heartbeating; the server then times the attempt out
 * after `heartbeatTimeout` and another worker retries it — instead of after the whole start-to-close (10 minutes
 * for validation, 15 for a helm write). The worker heartbeats every running activity every few seconds
 * (activities/heartbeat.ts), so any activity may use these.
 */
const heartbeatTimeout = '20s';

/** Child processes over many files (cfn-lint, cfn-guard, helm template/diff), heartbeating. */
export const heartbeatToolActivity: ActivityOptions = {
  ...toolActivity,
  heartbeatTimeout,
  // A killed worker costs an attempt too: idempotent reads get as many as the stack wait, so a few worker crashes in
  // a row (the fault suite's random-kill run found 3 during one validation) never fail an operation that did nothing
  // wrong. A tool that is missing or refuses its input fails at once (non-retryable types).
  retry: { ...retry, maximumAttempts: 10 },
};

/** Reads that usually take seconds but may wait up to a minute (Kubernetes reads, rollout status), heartbeating. */
export const heartbeatCallActivity: ActivityOptions = {
  ...shortActivity,
  heartbeatTimeout,
  retry: { ...retry, maximumAttempts: 10 },
};

/** Pure rendering (a chart): a failure is in the input or the renderer, so one retry (a killed worker) at most. */
export const renderActivity: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout,
  retry: { ...retry, maximumAttempts: 2 },
};

/** Long writes through a tool (helm upgrade --wait), heartbeating; retried at most twice. */
export const heartbeatWriteActivity: ActivityOptions = {
  startToCloseTimeout: '15m',
  heartbeatTimeout,
  retry: { ...retry, maximumAttempts: 3 },
};

/** A drift detection: polls CloudFormation inside one heartbeating activity (minutes on big stacks); read-only. */
export const driftActivity: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout,
  retry: { ...retry, maximumAttempts: 10 },
};

/**
 * A Kubernetes drift read inside `drift all` and the scheduled check: 3 attempts, so an environment whose cluster
 * does not answer lists its services as not checked within seconds instead of holding every stack's report.
 */
export const kubernetesDriftActivity: ActivityOptions = {
  ...shortActivity,
  heartbeatTimeout,
  retry: { ...retry, maximumAttempts: 3 },
};
