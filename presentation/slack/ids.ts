/** Action, view, block and input ids: one place, so listeners and Block Kit builders never drift apart. */
export const ActionIds = {
  approve: 'operation_approve',
  reject: 'operation_reject',
  /** Rollout controls while traffic moves; the value is the operation id. */
  rolloutPause: 'rollout_pause',
  rolloutResume: 'rollout_resume',
  rolloutAbort: 'rollout_abort',
} as const;

export const ViewIds = {
  /** PRD approval: asks for the current authenticator code. */
  mfaApprove: 'mfa_approve_modal',
  /** Rejection: asks why. */
  rejectReason: 'reject_reason_modal',
} as const;

export const InputIds = {
  mfaBlock: 'mfa_code_block',
  mfaCode: 'mfa_code',
  reasonBlock: 'reject_reason_block',
  reason: 'reject_reason',
} as const;

/** What an Approve/Reject button carries: the operation and the exact artifact the person saw. */
export interface DecisionButtonValue {
  readonly op: string;
  readonly artifact: string;
}

/** What the MFA and reject modals carry across views.open → view_submission. */
export interface DecisionModalMetadata extends DecisionButtonValue {
  readonly channel: string;
  readonly messageTs?: string;
}

/** Parses a button value or modal metadata; undefined when it is not ours or malformed. */
export function parseDecisionValue(raw: string | undefined): DecisionModalMetadata | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<DecisionModalMetadata>;
    if (typeof v.op !== 'string' || typeof v.artifact !== 'string') return undefined;
    return {
      op: v.op,
      artifact: v.artifact,
      channel: typeof v.channel === 'string' ? v.channel : '',
      ...(typeof v.messageTs === 'string' ? { messageTs: v.messageTs } : {}),
    };
  } catch {
    return undefined;
  }
}
