import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { reapRefusal } from '../core/cost/idle';
import { PermissionDenied } from '../core/errors';
import type { OperationState } from '../core/operations';
import { notifyActivity, shortActivity } from './activity-options';
import { finisher, registerHandlers, withFailureOutcome } from './approval-flow';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';
import type { KeepArgs, ReapInput } from './definitions';
import { keepUpdate } from './definitions';
import { OperationNotifier } from './operation-notifier';

/**
 * `reap {resource} dev`: DEV only (refused here for any other environment, whatever started it) → the resource is
 * checked (exists, tagged this environment, idle, not kept) → a notice in the channel for the notice period, during
 * which anyone known may Keep it (tagged keep-until, audited, the reap ends `cancelled`) → a volume is snapshotted
 * → the resource is deleted. Every step may run twice (activities/cost/reap.ts).
 */
export async function reapWorkflow(input: ReapInput): Promise<OperationState> {
  const op = new ApprovableOperation(
    input,
    {
      operationId: input.operationId,
      kind: 'reap',
      environment: input.environment,
      target: input.resourceId,
      requester: input.requester,
      startedAt: new Date(workflowInfo().startTime).toISOString(),
      phase: 'notice',
      findings: [],
      approvalsRequired: 0,
      approvals: [],
      events: [],
    },
    ['notice'],
  );
  registerHandlers(op);
  let keptBy: KeepArgs | undefined;
  setHandler(
    keepUpdate,
    (k: KeepArgs) => {
      keptBy = k;
      return op.state;
    },
    {
      validator: (_k: KeepArgs) => {
        if (op.state.phase !== 'notice' || keptBy)
          throw new PermissionDenied(`${input.operationId} is past its notice: it can no longer be kept`);
      },
    },
  );
  const short = proxyActivities<Activities>(shortActivity);
  const acts = { recordAudit: proxyActivities<Activities>(notifyActivity).recordAudit };
  const notifier = OperationNotifier.for(input);
  const finish = finisher(op, notifier);
  const target = { environment: input.environment, region: input.region, resourceId: input.resourceId };

  return withFailureOutcome(op, acts, finish, async () => {
    const refusal = reapRefusal(input.environment);
    if (refusal) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: refusal });
      return finish('failed', refusal);
    }
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      resource: input.resourceId,
    });
    const found = await short.inspectReapTarget(target);
    if (found.keepUntil && Date.parse(found.keepUntil) > Date.now()) {
      await audit(acts, op, 'cancelled', 'infra-agent', { keepUntil: found.keepUntil });
      return finish('cancelled', `${input.resourceId} is kept until ${found.keepUntil}; nothing was deleted`);
    }
    const deadline = new Date(Date.now() + input.noticeSeconds * 1000).toISOString();
    op.update({
      approvalDeadline: deadline,
      message: `${found.description} ${input.resourceId} will be deleted at ${deadline}${found.kind === 'volume' ? ' (after a snapshot)' : ''} unless someone keeps it: keep ${input.resourceId} ${input.environment}`,
    });
    notifier.send(op.state, 'requested');
    await audit(acts, op, 'previewed', 'infra-agent', { notice: deadline, kind: found.kind });
    const stopped = await condition(
      () => keptBy !== undefined || op.cancelledBy !== undefined,
      input.noticeSeconds * 1000,
    );
    if (stopped && keptBy) {
      const until = new Date(Date.now() + input.keepSeconds * 1000).toISOString();
      await short.tagKeepUntil({ ...target, until });
      await audit(acts, op, 'kept', keptBy.by, { via: keptBy.via, keepUntil: until });
      return finish('cancelled', `kept by ${keptBy.by} until ${until}; nothing was deleted`);
    }
    if (stopped) {
      await audit(acts, op, 'cancelled', op.cancelledBy ?? 'someone');
      return finish('cancelled', `cancelled by ${op.cancelledBy ?? 'someone'}; nothing was deleted`);
    }
    op.update({ phase: 'executing' });
    notifier.send(op.state, 'executing');
    const snapshot =
      found.kind === 'volume'
        ? (await short.snapshotBeforeReap({ ...target, operationId: input.operationId })).snapshotId
        : undefined;
    const r = await short.reapResource(target);
    await audit(acts, op, 'executed', 'infra-agent', { alreadyGone: r.alreadyGone, ...(snapshot ? { snapshot } : {}) });
    await audit(acts, op, 'completed', 'infra-agent', { deleted: input.resourceId });
    return finish(
      'succeeded',
      `${input.resourceId} is deleted${r.alreadyGone ? ' (it was already gone)' : ''}${snapshot ? `; its snapshot ${snapshot} keeps the data` : ''}`,
    );
  });
}
