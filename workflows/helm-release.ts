import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HelmHook, ResourceDiff } from '../core/k8s/results';
import type { OperationState, ResourceChange } from '../core/operations';
import { heartbeatToolActivity, heartbeatWriteActivity, notifyActivity, shortActivity } from './activity-options';
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

/**
 * A Helm diff as the same preview rows as a change set: `Kind` as type, `namespace/name` as id, the changed fields
 * (`path: before → after`, the first few, then how many more) as scope, which the approval card shows.
 */
export function diffAsChanges(changes: readonly ResourceDiff[]): ResourceChange[] {
  return changes.map((c) => {
    const [kind = '?', ns = '', name = ''] = c.resource.split('/');
    const scope = [
      ...c.fields.map((f) => `${f.path}: ${f.before ?? '∅'} → ${f.after ?? '∅'}`),
      ...(c.omittedFields ? [`… and ${c.omittedFields} more changed field(s)`] : []),
    ];
    return {
      action: ACTION[c.change],
      logicalId: `${ns}/${name}`,
      resourceType: kind,
      ...(scope.length ? { scope } : {}),
    };
  });
}

/** Hooks as preview lines: `pre-install Job ns/migrate` (not changes: helm runs them and they are not kept). */
export function hookLines(hooks: readonly HelmHook[] | undefined): string[] {
  return (hooks ?? []).map((h) => {
    const [kind = '?', ns = '', name = ''] = h.resource.split('/');
    return `${h.events.join(',')} ${kind} ${ns}/${name}`;
  });
}

/** Patch ids (replay of histories recorded before each change). */
const PATCH_ROLLBACK_DIFF = 'helm-rollback-field-diff';
const PATCH_ARTIFACT_RUN_ID = 'helm-artifact-full-run-id';

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
  // Heartbeats while helm runs: a killed worker's write is retried within the heartbeat timeout, and the retry
  // recognises (and undoes or keeps) the revision its predecessor left.
  const write = proxyActivities<Activities>({
    ...heartbeatWriteActivity,
    startToCloseTimeout: input.tuning?.writeTimeoutMs ?? 15 * 60_000,
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
    let hooks: string[] = [];
    if (r.kind === 'helm-rollback' && patched(PATCH_ROLLBACK_DIFF)) {
      // The card carries what the rollback changes: the latest manifest vs the target revision's, field by field.
      const d = await short.helmRollbackDiff({ environment: input.environment, request: r });
      revision = d.revision;
      changes = [
        {
          action: 'Modify',
          logicalId: `${r.namespace}/${r.release}`,
          resourceType: 'HelmRelease',
          scope: [`revision ${revision} (${d.status}) → a new revision with the content of ${r.revision}`],
        },
        ...diffAsChanges(d.changes),
      ];
    } else if (r.kind === 'helm-rollback') {
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
      hooks = hookLines(diff.hooks);
      if (changes.length === 0 && r.kind === 'helm-upgrade') {
        await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes', revision });
        return finish(
          'no-changes',
          `no changes: ${r.release} revision ${revision} already matches the chart and values`,
        );
      }
    }
    // The full run id: Temporal's time-ordered run ids share their first characters for runs a minute apart.
    const run = patched(PATCH_ARTIFACT_RUN_ID) ? workflowInfo().runId : workflowInfo().runId.slice(0, 8);
    const artifactId = `${r.release}@${revision}#${run}`;
    op.update({
      preview: { artifactId, stackName: `${r.namespace}/${r.release}`, changes, ...(hooks.length ? { hooks } : {}) },
    });
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
