import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ResourceDiff } from '../core/k8s/results';
import type { OperationState, ResourceChange } from '../core/operations';
import { heartbeatToolActivity, notifyActivity, shortActivity } from './activity-options';
import type { HelmReleaseInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import {
  finisher,
  activeFreeze,
  awaitDecision,
  registerHandlers,
  resolvePolicy,
  withFailureOutcome,
} from './approval-flow';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';

const ACTION: Readonly<Record<ResourceDiff['change'], ResourceChange['action']>> = {
  added: 'Add',
  changed: 'Modify',
  removed: 'Remove',
};

/** A Helm diff as the same preview rows as a change set: `Kind` as type, `namespace/name` as id, fields as scope. */
export function diffAsChanges(changes: readonly ResourceDiff[]): ResourceChange[] {
  return changes.map((c) => {
    const [kind = '?', ns = '', name = ''] = c.resource.split('/');
    return {
      action: ACTION[c.change],
      logicalId: `${ns}/${name}`,
      resourceType: kind,
      ...(c.fields.length ? { scope: c.fields.map((f) => `${f.path}: ${f.before ?? '∅'} → ${f.after ?? '∅'}`) } : {}),
    };
  });
}

/**
 * `helm install|upgrade|rollback` of a catalog release, through the same approval shapes as stack changes:
 * diff (helm template vs the deployed manifest) → preview → approval bound to the release revision it was
 * computed against → one helm write (retries find their own revision) → outcome with the new revision.
 */
export async function helmReleaseWorkflow(input: HelmReleaseInput): Promise<OperationState> {
  const r = input.request;
  const op = new ApprovableOperation(
    input,
    {
      operationId: input.operationId,
      kind: 'helm-release',
      environment: input.environment,
      target: `${r.namespace}/${r.release}`,
      requester: input.requester,
      startedAt: new Date(workflowInfo().startTime).toISOString(),
      phase: 'diffing',
      findings: [],
      approvalsRequired: input.approval?.required ?? 1,
      approvals: [],
      events: [],
    },
    ['diffing', 'awaiting-approval'],
  );
  registerHandlers(op);
  const notifier = OperationNotifier.for(input);
  const short = proxyActivities<Activities>(shortActivity);
  const tool = proxyActivities<Activities>(heartbeatToolActivity);
  const quiet = proxyActivities<Activities>(notifyActivity);
  const write = proxyActivities<Activities>({
    ...shortActivity,
    startToCloseTimeout: input.tuning?.writeTimeoutMs ?? 15 * 60_000,
    retry: { ...shortActivity.retry, maximumAttempts: 3 },
  });
  const acts = { recordAudit: quiet.recordAudit };
  const finish = finisher(op, notifier);

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      request: r.kind,
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    // What would change, and the revision it was computed against (the approval is bound to it).
    let revision = 0;
    let changes: ResourceChange[] = [];
    if (r.kind === 'helm-rollback') {
      const h = await short.helmRead({
        environment: input.environment,
        request: { kind: 'helm-history', namespace: r.namespace, release: r.release },
      });
      if (h.kind !== 'helm-history') throw new Error('unexpected helm read result');
      const latest = h.table.rows[0];
      revision = Number(latest?.[0] ?? 0);
      changes = [
        {
          action: 'Modify',
          logicalId: `${r.namespace}/${r.release}`,
          resourceType: 'HelmRelease',
          scope: [`revision ${revision} (${latest?.[3] ?? '?'}) → a new revision with the content of ${r.revision}`],
        },
      ];
    } else {
      const { kind: _k, flags: _f, ...ref } = r; // write flags (--wait, --create-namespace) do not apply to a diff
      const diff = await tool.helmRead({ environment: input.environment, request: { ...ref, kind: 'helm-diff' } });
      if (diff.kind !== 'helm-diff') throw new Error('unexpected helm read result');
      revision = diff.revision;
      changes = diffAsChanges(diff.changes);
      if (changes.length === 0 && r.kind === 'helm-upgrade') {
        await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes', revision });
        return finish(
          'no-changes',
          `no changes: ${r.release} revision ${revision} already matches the chart and values`,
        );
      }
    }
    const artifactId = `${r.release}@${revision}#${workflowInfo().runId.slice(0, 8)}`;
    op.update({ preview: { artifactId, stackName: `${r.namespace}/${r.release}`, changes } });
    await audit(acts, op, 'previewed', 'infra-agent', { artifactId, revision, changes: changes.length });

    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') return finish(decision.outcome, decision.message);

    op.update({ phase: 'executing' });
    notifier.send(op.state, 'executing');
    const result = await write.helmWrite({
      environment: input.environment,
      request: r,
      ...(r.kind === 'helm-install' ? {} : { expectedRevision: revision }),
    });
    await audit(acts, op, 'executed', 'infra-agent', {
      approvers: op.state.approvals.map((a) => a.approver),
      revision: result.revision,
      status: result.status,
      alreadyApplied: result.alreadyApplied,
    });
    const ok = result.status === 'deployed';
    await audit(acts, op, ok ? 'completed' : 'failed', 'infra-agent', {
      revision: result.revision,
      status: result.status,
    });
    return finish(
      ok ? 'succeeded' : 'failed',
      `${r.release} is at revision ${result.revision} (${result.status}) in ${r.namespace}`,
    );
  });
}
