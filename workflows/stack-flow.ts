import { condition } from '@temporalio/workflow';
import { formatDuration } from '../core/duration';
import type { ChangeFreeze } from '../core/environments';
import type { OperationOutcome, OperationState } from '../core/operations';
import type { StackOperationInput } from './definitions';
import type { OperationNotifier } from './operation-notifier';
import type { stackActivities } from './stack-activities';
import { audit } from './stack-activities';
import type { StackOperation } from './stack-operation-state';

type Acts = ReturnType<typeof stackActivities>;

/** The change freeze in force now (workflow time is deterministic), if any. */
export function activeFreeze(input: StackOperationInput): ChangeFreeze | undefined {
  const now = Date.now();
  return input.changeFreezes.find((f) => Date.parse(f.from) <= now && now < Date.parse(f.to));
}

/**
 * Waits for enough approvals, a rejection or a cancellation, up to the policy's expiry. Expiry fails closed:
 * it is an outcome, never an implicit approval.
 */
export async function awaitDecision(
  op: StackOperation,
  acts: Acts,
  notifier?: OperationNotifier,
): Promise<'approved' | { outcome: OperationOutcome; message: string }> {
  const expiryMs = op.input.approval.expirySeconds * 1000;
  op.update({ phase: 'awaiting-approval', approvalDeadline: new Date(Date.now() + expiryMs).toISOString() });
  notifier?.send(op.state, 'preview-ready');
  let audited = 0;
  const auditNewApprovals = async (): Promise<void> => {
    for (; audited < op.state.approvals.length; audited++) {
      const a = op.state.approvals[audited];
      if (a)
        await audit(acts, op, 'approved', a.approver, { artifactId: a.artifactId, via: a.via, mfa: a.mfa }, audited);
    }
  };
  const decided = await condition(() => op.decided, expiryMs);
  await auditNewApprovals();
  if (!decided) {
    await audit(acts, op, 'expired', 'infra-agent', { afterSeconds: op.input.approval.expirySeconds });
    return {
      outcome: 'expired',
      message: `no approval within ${formatDuration(op.input.approval.expirySeconds)}; the change was discarded`,
    };
  }
  if (op.state.rejection) {
    const r = op.state.rejection;
    notifier?.send(op.state, 'rejected');
    await audit(acts, op, 'rejected', r.by, { reason: r.reason });
    return { outcome: 'rejected', message: `rejected by ${r.by}: ${r.reason}` };
  }
  if (op.cancelledBy) {
    await audit(acts, op, 'cancelled', op.cancelledBy);
    return { outcome: 'cancelled', message: `cancelled by ${op.cancelledBy}; nothing was changed` };
  }
  notifier?.send(op.state, 'approved');
  return 'approved';
}

/** Runs the approved mutation once, waits for the stack to settle, and records the result. */
export async function executeApproved(
  op: StackOperation,
  acts: Acts,
  notifier: OperationNotifier | undefined,
  mutate: () => Promise<{ startedAt: string; details: Record<string, unknown> }>,
): Promise<OperationState> {
  op.update({ phase: 'executing' });
  notifier?.send(op.state, 'executing');
  const started = await mutate();
  await audit(acts, op, 'executed', 'infra-agent', {
    approvers: op.state.approvals.map((a) => a.approver),
    ...started.details,
  });
  op.update({ phase: 'waiting-for-stack' });
  const result = await acts.waitForStackStable({
    region: op.input.region,
    stackName: op.input.stack.stackName,
    sinceIso: started.startedAt,
    ...(op.input.tuning?.pollMs ? { pollMs: op.input.tuning.pollMs } : {}),
  });
  op.update({ stackStatus: result.status, events: result.events });
  await audit(acts, op, result.succeeded ? 'completed' : 'failed', 'infra-agent', {
    status: result.status,
    reason: result.reason,
  });
  op.update({
    phase: 'done',
    outcome: result.succeeded ? 'succeeded' : 'failed',
    message: result.succeeded
      ? `${op.input.stack.stackName} is ${result.status}`
      : `${op.input.stack.stackName} ended ${result.status}${result.reason ? `: ${result.reason}` : ''}`,
  });
  notifier?.send(op.state, 'done');
  await notifier?.flush();
  return op.state;
}
