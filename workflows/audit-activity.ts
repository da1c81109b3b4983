import type { Activities } from '../activities';
import type { AuditAction } from '../core/audit';
import type { ApprovableOperation } from './approvable-operation';

/** The one activity every approvable operation needs besides its own: appending to the audit trail. */
export type AuditActs = Pick<Activities, 'recordAudit'>;

/** Appends one audit record for this operation (idempotent per run and event). */
export async function audit(
  acts: AuditActs,
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
