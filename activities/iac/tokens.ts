import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';

/** The workflow run and activity the current activity attempt belongs to. */
export function currentRun(): { workflowId: string; runId: string; activityId: string } {
  const info = Context.current().info;
  const wf = info.workflowExecution;
  if (!wf) throw new Error('this activity must run inside a workflow (its idempotency tokens derive from the run)');
  return { workflowId: wf.workflowId, runId: wf.runId, activityId: info.activityId };
}

/**
 * An idempotency token for one activity of one workflow run: the same on every retry of that activity,
 * different for any other. Hashed because CloudFormation tokens must match `[a-zA-Z0-9][-a-zA-Z0-9]*`
 * and stay within 128 characters, and Temporal ids contain `/`.
 */
export function activityToken(purpose: string): string {
  const run = currentRun();
  return runToken(run.workflowId, run.runId, `${purpose}:${run.activityId}`);
}

/** A token for one workflow run and a purpose (stable across the run's activities). */
export function runToken(workflowId: string, runId: string, purpose: string): string {
  return `ia-${createHash('sha256').update(`${workflowId}|${runId}|${purpose}`).digest('hex').slice(0, 40)}`;
}
