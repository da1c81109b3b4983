import type { AuditLog, AuditRecord } from '../../core/audit';

export interface ReadToolDeps {
  readonly audit: AuditLog;
}

/** An audit record trimmed to what a person (or the diagnosing model) needs. */
export interface AuditLine {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly operationId: string;
  readonly environment: string;
  readonly target: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The latest state of one operation as the audit trail tells it. */
export interface RecentOperation {
  readonly operationId: string;
  readonly lastAction: string;
  readonly at: string;
  readonly actor: string;
  readonly environment: string;
  readonly target: string;
}

const line = (r: AuditRecord): AuditLine => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  operationId: r.operationId,
  environment: r.environment,
  target: r.target,
  ...(r.details ? { details: r.details } : {}),
});

/**
 * Reads of the audit trail for the diagnosis loop. Operations are read from the trail rather than from
 * Temporal: activities never talk to the Temporal client (see STYLE.md), and the trail records every step.
 */
export function createReadToolActivities(deps: ReadToolDeps) {
  return {
    async readAuditTail(input: { n: number }): Promise<AuditLine[]> {
      return (await deps.audit.tail(Math.min(Math.max(input.n, 1), 200))).map(line);
    },
    async readOperationAudit(input: { operationId: string }): Promise<AuditLine[]> {
      return (await deps.audit.forOperation(input.operationId)).slice(-50).map(line);
    },
    async readRecentOperations(input: { limit: number }): Promise<RecentOperation[]> {
      const latest = new Map<string, AuditRecord>();
      for (const r of await deps.audit.tail(500)) if (r.operationId.startsWith('stack/')) latest.set(r.operationId, r);
      return [...latest.values()]
        .sort((a, b) => b.seq - a.seq)
        .slice(0, input.limit)
        .map((r) => ({
          operationId: r.operationId,
          lastAction: r.action,
          at: r.at,
          actor: r.actor,
          environment: r.environment,
          target: r.target,
        }));
    },
  };
}
