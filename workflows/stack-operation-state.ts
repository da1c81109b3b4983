import { workflowInfo } from '@temporalio/workflow';
import { approvalRefusal, rejectionRefusal } from '../core/approval';
import type { ApprovalContext } from '../core/approval';
import { OperationConflict, PermissionDenied } from '../core/errors';
import type { OperationState } from '../core/operations';
import type { ApproveArgs, CancelArgs, OperationBaseInput, RejectArgs, StackOperationInput } from './definitions';

/**
 * The mutable state of one approvable operation and the approval rules over it, shared by the stack and
 * rollout workflows. Handlers only change state; the workflow's main flow does all the waiting and calling.
 */
export class ApprovableOperation<I extends OperationBaseInput = OperationBaseInput> {
  cancelledBy: string | undefined;

  constructor(
    readonly input: I,
    public state: OperationState,
    /** Phases in which `cancel` is accepted (before anything changed). */
    private readonly cancellable: readonly OperationState['phase'][],
  ) {}

  update(patch: Partial<OperationState>): void {
    this.state = { ...this.state, ...patch };
  }

  get decided(): boolean {
    return (
      this.state.approvals.length >= this.input.approval.required ||
      this.state.rejection !== undefined ||
      this.cancelledBy !== undefined
    );
  }

  private context(): ApprovalContext {
    return {
      requesterId: this.input.requester.userId,
      allowedApprovers: this.input.approval.approvers,
      mfaRequired: this.input.approval.mfa,
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
    if (c.by !== this.input.requester.userId && !this.input.approval.approvers.includes(c.by)) {
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

/** A stack deploy or delete: the approvable operation, started from its stack input. */
export class StackOperation extends ApprovableOperation<StackOperationInput> {
  constructor(input: StackOperationInput, kind: OperationState['kind']) {
    super(
      input,
      {
        operationId: input.operationId,
        kind,
        environment: input.environment,
        target: input.stack.stackName,
        requester: input.requester,
        startedAt: new Date(workflowInfo().startTime).toISOString(),
        phase: kind === 'deploy-stack' ? 'validating' : 'creating-change-set',
        findings: [],
        approvalsRequired: input.approval.required,
        approvals: [],
        events: [],
      },
      ['validating', 'creating-change-set', 'awaiting-approval'],
    );
  }
}
