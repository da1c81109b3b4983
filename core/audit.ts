/** What happened, in the audit trail's vocabulary. */
export type AuditAction =
  | 'requested'
  | 'validated'
  | 'previewed'
  | 'approved'
  | 'approval-refused'
  | 'rejected'
  | 'rejection-refused'
  | 'expired'
  | 'cancelled'
  | 'executed'
  | 'completed'
  | 'failed'
  // Blue/green rollouts (workflows/rollout.ts):
  | 'security-gate'
  | 'artifact-resolved'
  | 'deployed'
  | 'traffic-shifted'
  | 'analysed'
  | 'paused'
  | 'resumed'
  | 'aborted'
  | 'rolled-back'
  | 'scaled'
  | 'overdue'
  // The language front door (core/llm): what a model or the near-miss matcher proposed, and what came of it.
  | 'proposed'
  | 'proposal-refused'
  | 'proposal-accepted'
  | 'proposal-declined'
  | 'diagnosed'
  | 'model-failed'
  // Kubernetes reads: a pod's full log handed to the person who asked (size and digest, never the text).
  | 'log-exported'
  // On-call alerts (core/alerts): a person acknowledged or snoozed one (who, why); a scheduled check paused/resumed.
  | 'acknowledged'
  | 'snoozed'
  | 'alert-refused'
  | 'schedule-paused'
  | 'schedule-resumed'
  // The reaper (workflows/reap.ts): someone kept a resource during its notice.
  | 'kept'
  // Drift remediation (workflows/remediate-stack.ts): the drift re-check after the change set ran.
  | 'drift-rechecked'
  // Step-up MFA: a refused code (wrong, replayed, or tried while locked), and the lockout it led to.
  | 'mfa-failed'
  | 'mfa-locked'
  // Security waivers (core/security/waivers.ts): an approver accepted a finding on one image digest, or took it back.
  | 'waiver-granted'
  | 'waiver-revoked'
  // Promotions (workflows/promote.ts): the promotion's record when it ends (a CM-3 change record).
  | 'promoted'
  // The audit log itself: bytes at its end that were not a whole record, moved aside (size and sha256).
  | 'audit-tail-quarantined';

/**
 * One audit entry as written by a caller. `key` makes retried appends idempotent. The log bounds what it records:
 * a string longer than a few KiB keeps a prefix plus `…(N chars, sha256 …)`, and no record exceeds 64 KiB.
 */
export interface AuditEntry {
  /** Unique per logical event (e.g. workflow id + run id + action); a second append with it is a no-op. */
  readonly key: string;
  readonly action: AuditAction;
  /** Who did it (user id), or `infra-agent` for the system. */
  readonly actor: string;
  readonly operationId: string;
  readonly environment: string;
  readonly target: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A stored audit record: the entry plus sequence, time and a hash chain that makes edits evident. */
export interface AuditRecord extends AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The audit trail: append-only, queryable. */
export interface AuditLog {
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** The last `n` records, oldest first. */
  tail(n: number): Promise<AuditRecord[]>;
  /** Every record for one operation. */
  forOperation(operationId: string): Promise<AuditRecord[]>;
}
