import type { AuditEntry, AuditLog, AuditRecord } from '../../core/audit';

export interface AuditDeps {
  readonly audit: AuditLog;
}

export function createAuditActivities(deps: AuditDeps) {
  return {
    /** Appends one audit record. Idempotent by `entry.key`, so Temporal's retries never duplicate a record. */
    async recordAudit(entry: AuditEntry): Promise<Pick<AuditRecord, 'seq' | 'at'>> {
      const r = await deps.audit.append(entry);
      return { seq: r.seq, at: r.at };
    },
  };
}
