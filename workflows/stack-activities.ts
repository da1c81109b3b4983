import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AuditAction } from '../core/audit';
import { notifyActivity, shortActivity, toolActivity, waitActivity } from './activity-options';
import type { StackOperationInput } from './definitions';
import type { ApprovableOperation } from './stack-operation-state';

/** Activity proxies for stack operations; mutating calls get a start-to-close the input may shorten. */
export function stackActivities(input: StackOperationInput) {
  // proxyActivities returns a Proxy without own keys: pick each activity by name (spreading yields nothing).
  const short = proxyActivities<Activities>(shortActivity);
  const tool = proxyActivities<Activities>(toolActivity);
  const wait = proxyActivities<Activities>(waitActivity);
  const quiet = proxyActivities<Activities>(notifyActivity);
  const mutating = proxyActivities<Activities>({
    ...shortActivity,
    startToCloseTimeout: input.tuning?.mutatingCallTimeoutMs ?? 60_000,
  });
  return {
    validateTemplates: tool.validateTemplates,
    createChangeSet: wait.createChangeSet,
    waitForStackStable: wait.waitForStackStable,
    deleteChangeSet: short.deleteChangeSet,
    previewStackDeletion: short.previewStackDeletion,
    recordAudit: quiet.recordAudit,
    executeChangeSet: mutating.executeChangeSet,
    deleteStack: mutating.deleteStack,
  };
}

/** Appends one audit record for this operation (idempotent per run and event). */
export async function audit(
  acts: Pick<ReturnType<typeof stackActivities>, 'recordAudit'>,
  op: ApprovableOperation,
  action: AuditAction,
  actor: string,
  details: Record<string, unknown> = {},
  n = 0,
): Promise<void> {
  await acts.recordAudit({
    key: op.auditKey(action, n),
    action,
    actor,
    operationId: op.input.operationId,
    environment: op.input.environment,
    target: op.state.target,
    details,
  });
}
