/** Action, view, block and input ids: one place, so listeners and Block Kit builders never drift apart. */
export const ActionIds = {
  approve: 'operation_approve',
  reject: 'operation_reject',
  /** Rollout controls while traffic moves; the value is the operation id. */
  rolloutPause: 'rollout_pause',
  rolloutResume: 'rollout_resume',
  rolloutAbort: 'rollout_abort',
  /** Answers to "I understood: …" (language front door); the value is a ProposalButtonValue. */
  proposalRun: 'proposal_run',
  proposalEdit: 'proposal_edit',
  proposalCancel: 'proposal_cancel',
  /** On-call alert buttons; the value is the alert id (drift/dev/vpc), snoozes add `|1h`, `|1d`, `|until-changed`. */
  alertAcknowledge: 'alert_acknowledge',
  alertSnooze: 'alert_snooze',
  /** Remediate on a drift alert: runs `remediate <stack> <env>` for the clicker; the value is the alert id. */
  alertRemediate: 'alert_remediate',
  /** Keep on a reap notice: runs `keep <resource> <env>` for the clicker; the value is the reap's operation id. */
  reapKeep: 'reap_keep',
} as const;

export const ViewIds = {
  /** PRD approval: asks for the current authenticator code. */
  mfaApprove: 'mfa_approve_modal',
  /** Rejection: asks why. */
  rejectReason: 'reject_reason_modal',
  /** Edit of a proposal: the command line(s), prefilled, to change and run like typed text. */
  proposalEdit: 'proposal_edit_modal',
  /** Acknowledge / Snooze of an alert: asks why (audited, shown in the alert's thread). */
  alertReason: 'alert_reason_modal',
} as const;

export const InputIds = {
  mfaBlock: 'mfa_code_block',
  mfaCode: 'mfa_code',
  reasonBlock: 'reject_reason_block',
  reason: 'reject_reason',
  proposalBlock: 'proposal_line_block',
  proposalLine: 'proposal_line',
  alertReasonBlock: 'alert_reason_block',
  alertReason: 'alert_reason',
} as const;

/** What the Acknowledge / Snooze modal carries: the alert, the decision, and where the button was. */
export interface AlertModalMetadata {
  readonly key: string;
  readonly decision: 'acknowledge' | 'snooze';
  readonly snooze?: '1h' | '1d' | 'until-changed';
  readonly channel: string;
}

export function parseAlertModalValue(raw: string | undefined): AlertModalMetadata | undefined {
  try {
    const v = JSON.parse(raw ?? '') as Partial<AlertModalMetadata>;
    if (typeof v.key !== 'string' || (v.decision !== 'acknowledge' && v.decision !== 'snooze')) return undefined;
    if (v.snooze !== undefined && !['1h', '1d', 'until-changed'].includes(v.snooze)) return undefined;
    return {
      key: v.key,
      decision: v.decision,
      channel: typeof v.channel === 'string' ? v.channel : '',
      ...(v.snooze ? { snooze: v.snooze } : {}),
    };
  } catch {
    return undefined;
  }
}

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

/**
 * What Run / Edit / Cancel on a proposal carry: the interpretation's audit id, the Slack user who asked (only
 * they may answer), and the command line(s). Run re-parses and permission-checks the lines like typed text, so a
 * value is never more than typing the command.
 */
export interface ProposalButtonValue {
  readonly id: string;
  readonly by: string;
  readonly lines: readonly string[];
}

/** What the Edit modal carries to its submission: the proposal, and where its message is to be replaced. */
export interface ProposalModalMetadata extends ProposalButtonValue {
  readonly channel: string;
  /** A real message (mention, DM): updated with chat.update. */
  readonly messageTs?: string;
  /** The thread the proposal was in: operations started from it report there. */
  readonly threadTs?: string;
  /** An ephemeral message (slash command): replaced through its response_url. */
  readonly responseUrl?: string;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const optional = (o: Record<string, unknown>, k: string): Record<string, string> =>
  typeof o[k] === 'string' && o[k] !== '' ? { [k]: o[k] } : {};

/** Parses a proposal button value or Edit modal metadata; undefined when it is not ours or malformed. */
export function parseProposalValue(raw: string | undefined): ProposalModalMetadata | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v.id !== 'string' || !v.id.startsWith('interpret/') || typeof v.by !== 'string') return undefined;
    if (!isStrings(v.lines) || v.lines.length === 0) return undefined;
    return {
      id: v.id,
      by: v.by,
      lines: v.lines,
      channel: typeof v.channel === 'string' ? v.channel : '',
      ...optional(v, 'messageTs'),
      ...optional(v, 'threadTs'),
      ...optional(v, 'responseUrl'),
    };
  } catch {
    return undefined;
  }
}
