import type { AuditRecord } from '../core/audit';
import { rolloutLines } from '../core/rollout/summary';
import { PHASE_TEXT, summarizeChanges } from '../core/operations';
import type { OperationState, ResourceChange } from '../core/operations';
import type { ValidationFinding } from '../core/validation';
import type { OperationSummary } from '../worker/gateway';

export function phaseText(s: OperationState): string {
  return PHASE_TEXT[s.phase];
}

const ACTION_MARK: Readonly<Record<ResourceChange['action'], string>> = {
  Add: '+',
  Modify: '~',
  Remove: '-',
  Import: '>',
  Dynamic: '?',
};

export function renderFindings(findings: readonly ValidationFinding[]): string {
  if (findings.length === 0) return 'validation: no findings';
  return [
    `validation: ${findings.length} finding(s)`,
    ...findings.map(
      (f) =>
        `  ${f.severity.toUpperCase().padEnd(7)} ${f.control ? `[${f.control}] ` : ''}${f.rule}${f.resource ? ` ${f.resource}` : ''}: ${f.message} (${f.source}, ${f.file})`,
    ),
  ].join('\n');
}

/** The preview people approve: what changes, what gets replaced, what validation said. */
export function renderPreview(s: OperationState): string {
  const p = s.preview;
  if (s.rollout) return [...rolloutLines(s), ...(p ? [`approval artifact: ${p.artifactId}`] : [])].join('\n');
  if (!p) return '(no preview yet)';
  const { counts, warnings } = summarizeChanges(p.changes);
  const width = Math.max(10, ...p.changes.map((c) => c.logicalId.length));
  return [
    `[${s.environment}] ${s.kind === 'delete-stack' ? 'DELETE' : 'change set for'} ${p.stackName}: ${counts}`,
    ...p.changes.map(
      (c) =>
        `  ${ACTION_MARK[c.action]} ${c.logicalId.padEnd(width)} ${c.resourceType}${c.replacement === 'True' ? '  (REPLACEMENT)' : c.replacement === 'Conditional' ? '  (may be replaced)' : ''}`,
    ),
    ...warnings.map((w) => `  WARNING: ${w}`),
    renderFindings(s.findings),
    `approval artifact: ${p.artifactId}`,
  ].join('\n');
}

export function renderState(s: OperationState): string {
  const lines = [
    `${s.operationId} [${s.environment}] ${s.kind} ${s.target} — requested by ${s.requester.displayName} (${s.requester.userId}) at ${s.startedAt}`,
    `phase: ${phaseText(s)}${s.outcome ? ` — outcome: ${s.outcome}` : ''}${s.message ? ` — ${s.message}` : ''}`,
    `approvals: ${s.approvals.length}/${s.approvalsRequired}${s.approvals.map((a) => ` ${a.approver}@${a.at}${a.mfa ? ' (mfa)' : ''}`).join(',')}${s.approvalDeadline && !s.outcome ? `; expires ${s.approvalDeadline}` : ''}`,
  ];
  if (s.rejection) lines.push(`rejected by ${s.rejection.by} at ${s.rejection.at}: ${s.rejection.reason}`);
  if (s.preview || s.rollout) lines.push(renderPreview(s));
  if (s.events.length)
    lines.push(
      'stack events:',
      ...s.events.slice(0, 15).map((e) => `  ${e.at} ${e.logicalId} ${e.status}${e.reason ? ` — ${e.reason}` : ''}`),
    );
  return lines.join('\n');
}

export function renderList(ops: readonly OperationSummary[]): string {
  if (ops.length === 0) return 'no operations yet';
  return ops
    .map(
      (o) =>
        `${o.status.padEnd(10)} ${o.operationId.padEnd(32)} ${o.kind.padEnd(20)} by ${o.requester.padEnd(8)} ${o.startedAt}`,
    )
    .join('\n');
}

export function renderAudit(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'the audit trail is empty';
  return records
    .map((r) => {
      const d = r.details && Object.keys(r.details).length ? ` ${JSON.stringify(r.details)}` : '';
      return `#${r.seq} ${r.at} ${r.actor.padEnd(12)} ${r.action.padEnd(18)} ${r.operationId} [${r.environment}] ${r.target}${d}`;
    })
    .join('\n');
}
