import {
  ActivityFailure,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AccessGrant } from '../core/access';
import { toSourceIdentity } from '../core/access';
import { formatDuration } from '../core/duration';
import type { ActiveFreeze } from '../core/freezes';
import { activeFreezeAt } from '../core/freezes';
import type { OperationPolicy } from '../core/operation-policy';
import { UNRESOLVED_POLICY } from '../core/operation-policy';
import type { OperationOutcome, OperationState } from '../core/operations';
import { shortActivity } from './activity-options';
import type { ApprovableOperation } from './approvable-operation';
import type { AuditActs } from './audit-activity';
import { audit } from './audit-activity';
import type { ApproveArgs, CancelArgs, OperationBaseInput, RejectArgs, StackOperationInput } from './definitions';
import { approveUpdate, cancelUpdate, rejectUpdate, stateQuery } from './definitions';
import type { OperationNotifier } from './operation-notifier';

/**
 * patched() id: runs started from here on ask the worker for the approval policy (an activity reading the
 * worker's config, its result recorded in history) instead of trusting the `approval` the client put in the
 * input. Runs started before replay with the input's policy.
 */
export const POLICY_FROM_WORKER_PATCH = 'approval-policy-from-worker';

/**
 * Decides the operation's approval policy before anything else happens: from the worker's configuration
 * (`resolveApprovalPolicy`), never from the client's input. Every approvable workflow calls it first.
 */
export async function resolvePolicy(op: ApprovableOperation): Promise<OperationPolicy> {
  if (patched(POLICY_FROM_WORKER_PATCH)) {
    const { resolveApprovalPolicy } = proxyActivities<Activities>(shortActivity);
    op.setPolicy(await resolveApprovalPolicy({ environment: op.input.environment }));
  } else {
    op.setPolicy({
      approval: op.input.approval ?? UNRESOLVED_POLICY.approval,
      changeFreezes: op.input.changeFreezes ?? [],
    });
  }
  return op.policy;
}

/**
 * The change freeze in force now (workflow time is deterministic), if any: fixed windows, weekly windows and
 * holidays in their time zones (core/freezes.ts).
 */
export function activeFreeze(policy: Pick<OperationPolicy, 'changeFreezes'>): ActiveFreeze | undefined {
  return activeFreezeAt(policy.changeFreezes, Date.now());
}

/**
 * Waits for enough approvals, a rejection or a cancellation, up to the policy's expiry. Expiry fails closed:
 * it is an outcome, never an implicit approval.
 */
export async function awaitDecision(
  op: ApprovableOperation,
  acts: AuditActs,
  notifier?: OperationNotifier,
): Promise<'approved' | { outcome: OperationOutcome; message: string }> {
  const expiryMs = op.approval.expirySeconds * 1000;
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
    await audit(acts, op, 'expired', 'infra-agent', { afterSeconds: op.approval.expirySeconds });
    return {
      outcome: 'expired',
      message: `no approval within ${formatDuration(op.approval.expirySeconds)}; the change was discarded`,
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

/**
 * Runs an operation's main flow so that a failure still ends in an answer: an activity that failed for
 * good (a template CloudFormation rejects, a stack that vanished) becomes the outcome `failed` with the
 * reason, audited and notified, instead of a workflow failure that leaves people looking at the last phase.
 * Cancellation is not a failure and propagates.
 */
export async function withFailureOutcome(
  op: ApprovableOperation,
  acts: AuditActs,
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
