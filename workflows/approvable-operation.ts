import { workflowInfo } from '@temporalio/workflow';
import { approvalRefusal, rejectionRefusal } from '../core/approval';
import type { ApprovalContext } from '../core/approval';
import { OperationConflict, PermissionDenied } from '../core/errors';
import type { OperationPolicy } from '../core/operation-policy';
import { UNRESOLVED_POLICY } from '../core/operation-policy';
import type { OperationState } from '../core/operations';
import type { ApproveArgs, CancelArgs, OperationBaseInput, RejectArgs } from './definitions';

/**
 * The mutable state of one approvable operation and the approval rules over it, shared by the stack and
 * rollout workflows. Handlers only change state; the workflow's main flow does all the waiting and calling.
 */
export class ApprovableOperation<I extends OperationBaseInput = OperationBaseInput> {
  cancelledBy: string | undefined;
  /** Who may approve, how many, expiry, MFA, freezes: set once at start (`resolvePolicy`); fails closed until then. */
  policy: OperationPolicy = UNRESOLVED_POLICY;

  constructor(
    readonly input: I,
    public state: OperationState,
    /** Phases in which `cancel` is accepted (before anything changed). */
    private readonly cancellable: readonly OperationState['phase'][],
  ) {}

  update(patch: Partial<OperationState>): void {
    this.state = { ...this.state, ...patch };
  }

  /** The approval rules of this run (from `policy`). */
  get approval(): OperationPolicy['approval'] {
    return this.policy.approval;
  }

  setPolicy(policy: OperationPolicy): void {
    this.policy = policy;
    this.update({ approvalsRequired: policy.approval.required });
  }

  get decided(): boolean {
    return (
      this.state.approvals.length >= this.approval.required ||
      this.state.rejection !== undefined ||
      this.cancelledBy !== undefined
    );
  }

  private context(): ApprovalContext {
    return {
      requesterId: this.input.requester.userId,
      allowedApprovers: this.approval.approvers,
      mfaRequired: this.approval.mfa,
      pendingArtifactId:
        this.state.phase === 'awaiting-approval' && !this.decided ? this.state.preview?.artifactId : undefined,
      approvals: this.state.approvals,
    };
  }

  validateApprove(a: ApproveArgs): void {
    const refusal = approvalRefusal(this.context(), a);
    if (refusal) throw new PermissionDenied(refusal);
  }

  approve(a: ApproveArgs): OperationState {
    this.update({
      approvals: [
        ...this.state.approvals,
        {
          approver: a.approver,
          at: new Date().toISOString(),
          artifactId: a.artifactId,
          via: a.via,
          mfa: a.mfaVerified,
        },
      ],
    });
    return this.state;
  }

  validateReject(r: RejectArgs): void {
    const refusal = rejectionRefusal(this.context(), r.by);
    if (refusal) throw new PermissionDenied(refusal);
    if (!r.reason.trim()) throw new PermissionDenied('a rejection needs a reason');
  }

  reject(r: RejectArgs): OperationState {
    this.update({ rejection: { by: r.by, reason: r.reason, at: new Date().toISOString() } });
    return this.state;
  }

  validateCancel(c: CancelArgs): void {
    if (!this.cancellable.includes(this.state.phase) || this.decided) {
      throw new OperationConflict(
        `cannot cancel: the operation is ${this.state.phase}${this.state.approvals.length ? ' (already approved)' : ''}`,
      );
    }
    if (c.by !== this.input.requester.userId && !this.approval.approvers.includes(c.by)) {
      throw new PermissionDenied(
        `${c.by} may not cancel ${this.input.operationId}: only the requester or an approver can`,
      );
    }
  }

  cancel(c: CancelArgs): OperationState {
    this.cancelledBy = c.by;
    return this.state;
  }

  /** An audit key unique to this run and event, so retried audit activities never duplicate a record. */
  auditKey(action: string, n = 0): string {
    const info = workflowInfo();
    return `${info.workflowId}|${info.runId}|${action}|${n}`;
  }
}
