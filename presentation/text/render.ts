import { verifyBody } from './verify';
import type { AuditRecord } from '../../core/audit';
import { commandLine } from '../../core/commands/tool-schema';
import type { KubeReadCommand } from '../../core/commands/types';
import type { K8sTable } from '../../core/k8s/results';
import type { KubeReadResult, OperationSummary } from '../../core/commands/results';
import { promotionLines } from '../../core/promotion';
import { rolloutLines } from '../../core/rollout/summary';
import { configGateLines } from '../../core/security/gate';
import { PHASE_TEXT, summarizeChanges } from '../../core/operations';
import type { OperationState, ResourceChange } from '../../core/operations';
import type { ValidationFinding } from '../../core/validation';

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
        `  ${f.severity.toUpperCase().padEnd(7)} ${f.control ? `[${f.control}] ` : ''}${f.rule}${f.resource ? ` ${f.resource}` : ''}: ${f.message}${f.onlyWhen ? ` [only when ${f.onlyWhen}]` : ''} (${(f.seenBy ?? [f.source]).join(', ')}, ${f.file})`,
    ),
  ].join('\n');
}

/** The preview people approve: what changes, what gets replaced, what validation said. */
export function renderPreview(s: OperationState): string {
  const p = s.preview;
  if (s.promotion)
    return [...promotionLines(s.promotion), ...(p ? [`approval artifact: ${p.artifactId}`] : [])].join('\n');
  if (s.rollout) return [...rolloutLines(s), ...(p ? [`approval artifact: ${p.artifactId}`] : [])].join('\n');
  if (!p) return '(no preview yet)';
  const { counts, warnings } = summarizeChanges(p.changes);
  const width = Math.max(10, ...p.changes.map((c) => c.logicalId.length));
  return [
    `[${s.environment}] ${s.kind === 'delete-stack' ? 'DELETE' : s.kind === 'remediate-stack' ? 'drift-reverting change set for' : s.kind === 'remediate-service' ? 'put back to the last rollout (live → applied):' : 'change set for'} ${p.stackName}: ${counts}`,
    ...p.changes.flatMap((c) => [
      `  ${ACTION_MARK[c.action]} ${c.logicalId.padEnd(width)} ${c.resourceType}${c.replacement === 'True' ? '  (REPLACEMENT)' : c.replacement === 'Conditional' ? '  (may be replaced)' : ''}`,
      ...(s.kind === 'helm-release' ? helmFieldLines(c) : []),
      ...(c.revert ?? []).map((l) => `      ${l}`),
    ]),
    ...(p.hooks?.length ? ['  hooks that run (not counted as changes):', ...p.hooks.map((h) => `    ${h}`)] : []),
    ...warnings.map((w) => `  WARNING: ${w}`),
    renderFindings(s.findings),
    ...configGateLines(s.configGate),
    `approval artifact: ${p.artifactId}`,
  ].join('\n');
}

/** A Helm change's fields (`spec.replicas: 2 → 3`, then how many more), under its line: what the approver approves. */
function helmFieldLines(c: ResourceChange): string[] {
  return (c.scope ?? []).map((f) => `      ${f}`);
}

export function renderState(s: OperationState): string {
  const lines = [
    `${s.operationId} [${s.environment}] ${s.kind} ${s.target} — requested by ${s.requester.displayName} (${s.requester.userId}) at ${s.startedAt}`,
    `phase: ${phaseText(s)}${s.outcome ? ` — outcome: ${s.outcome}` : ''}${s.message ? ` — ${s.message}` : ''}`,
    `approvals: ${s.approvals.length}/${s.approvalsRequired}${s.approvals.map((a) => ` ${a.approver}@${a.at}${a.mfa ? ' (mfa)' : ''}`).join(',')}${s.approvalDeadline && !s.outcome ? `; expires ${s.approvalDeadline}` : ''}`,
  ];
  if (s.rejection) lines.push(`rejected by ${s.rejection.by} at ${s.rejection.at}: ${s.rejection.reason}`);
  if (s.preview || s.rollout || s.promotion) lines.push(renderPreview(s));
  if (s.verification) lines.push(`verification: ${s.verification.summary}`, verifyBody(s.verification));
  if (s.events.length)
    lines.push(
      'stack events:',
      ...s.events.slice(0, 15).map((e) => `  ${e.at} ${e.logicalId} ${e.status}${e.reason ? ` — ${e.reason}` : ''}`),
    );
  return lines.join('\n');
}

/**
 * A finished operation's own outcome (a run Temporal calls COMPLETED may have failed, been rejected, expired or
 * aborted); Temporal's status for running ones and for runs that ended without an outcome (terminated, timed out).
 */
export function listStatus(o: OperationSummary): string {
  return o.outcome ? o.outcome.toUpperCase() : o.status;
}

export function renderList(ops: readonly OperationSummary[]): string {
  if (ops.length === 0) return 'no operations yet';
  return ops
    .map(
      (o) =>
        `${listStatus(o).padEnd(10)} ${o.operationId.padEnd(32)} ${o.kind.padEnd(20)} by ${o.requester.padEnd(8)} ${o.startedAt}`,
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

/** A table with padded columns, and how many rows were left out. */
export function renderTable(t: K8sTable): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(t.columns),
    ...t.rows.map(line),
    ...(t.omittedRows ? [`(${t.omittedRows} more row(s) not shown)`] : []),
  ].join('\n');
}

/** What a Kubernetes read found, as a headline and the table or log text (terminal; Slack shows it preformatted). */
export function renderKubeRead(
  c: KubeReadCommand,
  a: { environment: string; namespace: string; result: KubeReadResult },
): { headline: string; body: string } {
  const where = `[${a.environment}] ${a.namespace}`;
  const r = a.result;
  switch (r.kind) {
    case 'get': {
      const what = r.resource === 'pods' ? 'pods' : r.resource === 'services' ? 'Services' : 'Deployments';
      const svc = 'service' in c ? c.service : '';
      return r.table.rows.length
        ? { headline: `${where}: ${what} of ${svc} (label app=${svc})`, body: renderTable(r.table) }
        : { headline: `${where}: no ${what} of ${svc} (label app=${svc})`, body: '' };
    }
    case 'events':
      return r.table.rows.length
        ? { headline: `${where}: events, newest last`, body: renderTable(r.table) }
        : { headline: `${where}: no recent events`, body: '' };
    case 'logs': {
      const cut = r.truncated
        ? ` (showing the end: ${r.text.length} of ${r.totalChars} characters, ${r.totalLines} lines)`
        : '';
      return {
        headline: `${where}: last ${r.tailLines} lines of pod ${r.pod}${cut}`,
        body: r.text.trimEnd() || '(the log is empty)',
      };
    }
    case 'describe': {
      const cut = r.truncated ? ` (showing the start: ${r.text.length} of ${r.totalChars} characters)` : '';
      return { headline: `${where}: ${commandLine(c)}${cut}`, body: r.text.trimEnd() };
    }
    case 'rollout-status': {
      if (!r.table) {
        return { headline: `${where}: ${r.done ? 'rollout complete' : 'rollout in progress'}`, body: r.message };
      }
      const svc = 'service' in c ? c.service : '';
      if (r.table.rows.length === 0)
        return { headline: `${where}: no Deployments of ${svc} (label app=${svc})`, body: '' };
      return {
        headline: `${where}: rollout of ${svc} ${r.done ? 'complete' : 'in progress'}: ${r.message}`,
        body: renderTable(r.table),
      };
    }
    case 'helm-history':
      return { headline: `${where}: Helm release ${r.release}, newest revision first`, body: renderTable(r.table) };
    case 'helm-diff':
      return renderHelmDiff(where, r);
  }
}

const DIFF_MARK = { added: '+', changed: '~', removed: '-' } as const;

/** What an upgrade to the catalog's chart would change: a line per resource, then its fields (before → after). */
function renderHelmDiff(
  where: string,
  r: Extract<KubeReadResult, { kind: 'helm-diff' }>,
): { headline: string; body: string } {
  const body = [
    ...r.changes.flatMap((x) => [
      `${DIFF_MARK[x.change]} ${x.resource}`,
      ...x.fields.map((f) => `    ${f.path}: ${f.before ?? '∅'} → ${f.after ?? '∅'}`),
      ...(x.omittedFields ? [`    … and ${x.omittedFields} more changed field(s)`] : []),
    ]),
    // Hooks are not release objects (test hooks are not listed at all): shown apart, not counted.
    ...(r.hooks?.length
      ? ['hooks that run (not counted):', ...r.hooks.map((h) => `  ${h.events.join(',')} ${h.resource}`)]
      : []),
  ].join('\n');
  if (r.revision === 0) return { headline: `${where}: ${r.release} is not installed; installing it would add:`, body };
  if (r.changes.length === 0) {
    return {
      headline: `${where}: ${r.release} revision ${r.revision} already matches the catalog's chart and values (${r.unchanged} resources)`,
      body: '',
    };
  }
  return {
    headline: `${where}: ${r.release} revision ${r.revision} → the catalog's chart and values: ${r.changes.length} resource(s) would change, ${r.unchanged} unchanged`,
    body,
  };
}
