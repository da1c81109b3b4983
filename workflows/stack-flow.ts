import { ActivityFailure, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AccessGrant } from '../core/access';
import { toSourceIdentity } from '../core/access';
import { formatDuration } from '../core/duration';
import type { ChangeFreeze } from '../core/environments';
import type { OperationOutcome, OperationState } from '../core/operations';
import type { ApproveArgs, CancelArgs, OperationBaseInput, RejectArgs, StackOperationInput } from './definitions';
import { approveUpdate, cancelUpdate, rejectUpdate, stateQuery } from './definitions';
import { OperationNotifier } from './operation-notifier';
import { audit, stackActivities } from './stack-activities';
import type { ApprovableOperation } from './stack-operation-state';
import { StackOperation } from './stack-operation-state';

type Acts = ReturnType<typeof stackActivities>;

/** The change freeze in force now (workflow time is deterministic), if any. */
export function activeFreeze(input: Pick<OperationBaseInput, 'changeFreezes'>): ChangeFreeze | undefined {
  const now = Date.now();
  return input.changeFreezes.find((f) => Date.parse(f.from) <= now && now < Date.parse(f.to));
}

/**
 * Waits for enough approvals, a rejection or a cancellation, up to the policy's expiry. Expiry fails closed:
 * it is an outcome, never an implicit approval.
 */
export async function awaitDecision(
  op: ApprovableOperation,
  acts: Pick<Acts, 'recordAudit'>,
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
  mutate: (grant: AccessGrant | undefined) => Promise<{ startedAt: string; details: Record<string, unknown> }>,
): Promise<OperationState> {
  op.update({ phase: 'executing' });
  notifier?.send(op.state, 'executing');
  const grant = accessGrant(op);
  const started = await mutate(grant);
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
    ...(grant ? { grant } : {}),
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
  if (!result.succeeded) notifier?.alert(op.state);
  await notifier?.flush();
  return op.state;
}

/**
 * Runs an operation's main flow so that a failure still ends in an answer: an activity that failed for
 * good (a template CloudFormation rejects, a stack that vanished) becomes the outcome `failed` with the
 * reason, audited and notified, instead of a workflow failure that leaves people looking at the last phase.
 * Cancellation is not a failure and propagates.
 */
export async function withFailureOutcome(
  op: ApprovableOperation,
  acts: Pick<Acts, 'recordAudit'>,
  finish: (outcome: OperationOutcome, message: string) => Promise<OperationState>,
  flow: () => Promise<OperationState>,
): Promise<OperationState> {
  try {
    return await flow();
  } catch (e) {
    if (isCancellation(e)) throw e;
    const cause = e instanceof ActivityFailure ? e.cause : e;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const during = op.state.phase;
    await audit(acts, op, 'failed', 'infra-agent', { reason, during }, 1);
    return finish('failed', `failed while ${during.replace(/-/g, ' ')}: ${reason}`);
  }
}

/**
 * The just-in-time access this approval grants (M4), when the environment has a deploy role: the last
 * approver as SourceIdentity, ids as session tags, and a window from the approval (workflow time, so
 * deterministic) after which no new credentials are issued.
 */
export function accessGrant(
  op: ApprovableOperation<OperationBaseInput & Pick<StackOperationInput, 'deployRoleArn' | 'grantSeconds'>>,
): AccessGrant | undefined {
  const role = op.input.deployRoleArn;
  const last = op.state.approvals[op.state.approvals.length - 1];
  if (!role || !last) return undefined;
  return {
    roleArn: role,
    sourceIdentity: toSourceIdentity(last.approver),
    approvalId: `${workflowInfo().runId}:${op.state.approvals.length}`,
    operationId: op.input.operationId,
    notAfter: new Date(Date.parse(last.at) + (op.input.grantSeconds ?? 7200) * 1000).toISOString(),
  };
}

/** The state query and the approve / reject / cancel updates, whose validators refuse before history. */
export function registerHandlers(op: ApprovableOperation): void {
  setHandler(stateQuery, () => op.state);
  setHandler(approveUpdate, (a: ApproveArgs) => op.approve(a), {
    validator: (a: ApproveArgs) => op.validateApprove(a),
  });
  setHandler(rejectUpdate, (r: RejectArgs) => op.reject(r), { validator: (r: RejectArgs) => op.validateReject(r) });
  setHandler(cancelUpdate, (c: CancelArgs) => op.cancel(c), { validator: (c: CancelArgs) => op.validateCancel(c) });
}

/**
 * What every stack operation starts with: its state, activities, thread notifier and handlers, and the
 * `finish` that records an outcome, posts it and waits (bounded) for the post before the workflow ends.
 */
export function beginStackOperation(input: StackOperationInput, kind: OperationState['kind']) {
  const op = new StackOperation(input, kind);
  const acts = stackActivities(input);
  const notifier = OperationNotifier.for(input);
  registerHandlers(op);
  return { op, acts, notifier, finish: finisher(op, notifier) };
}

/**
 * The `finish` of an operation: records the outcome, posts it, raises the outcomes in `alertOn` on call, and
 * waits (bounded) for the posts before the workflow ends.
 */
export function finisher(
  op: ApprovableOperation,
  notifier: OperationNotifier,
  alertOn: readonly OperationOutcome[] = ['failed'],
): (outcome: OperationOutcome, message: string) => Promise<OperationState> {
  return async (outcome, message) => {
    op.update({ phase: 'done', outcome, message });
    notifier.send(op.state, 'done');
    if (alertOn.includes(outcome)) notifier.alert(op.state);
    await notifier.flush();
    return op.state;
  };
}
