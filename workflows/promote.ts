import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperationOutcome, OperationState } from '../core/operations';
import type { PromotionProgress, PromotionRecord } from '../core/promotion';
import { checkLines, judgePromotion } from '../core/promotion';
import { kubernetesDriftActivity } from './activity-options';
import { ApprovableOperation } from './approvable-operation';
import {
  activeFreeze,
  awaitDecision,
  finisher,
  registerHandlers,
  resolvePolicy,
  withFailureOutcome,
} from './approval-flow';
import { audit } from './audit-activity';
import type { PromoteInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import { blueGreenRolloutWorkflow } from './rollout';
import { rolloutActivities, runRef } from './rollout-flow';

function initialState(input: PromoteInput): OperationState {
  return {
    operationId: input.operationId,
    kind: 'promotion',
    environment: input.environment,
    target: `${input.rollout.target.namespace}/${input.service}`,
    requester: input.requester,
    startedAt: new Date(workflowInfo().startTime).toISOString(),
    phase: 'checking-preconditions',
    findings: [],
    approvalsRequired: 1,
    approvals: [],
    events: [],
    promotion: { service: input.service, version: input.version, from: input.from, to: input.environment, checks: [] },
  };
}

/**
 * `promote {service} {version} to {env}` (docs/delivery.md): the tag is resolved to its digest under the target's
 * policy, the preconditions are read and judged (the same digest live, Ready and verified in the previous stage for
 * its soak time — a stage never reached is named; the target's security gate; no change freeze), shown with ✓/✗ on the
 * approval card; after the approval (the target's policy: PRD needs another person and MFA) the existing blue/green
 * rollout runs as a child with the digest pinned and the approvals handed down. Every ending leaves a `promoted`
 * record in the audit trail: the CM-3 change record `promotions {env}` lists.
 */
export async function promoteWorkflow(input: PromoteInput): Promise<OperationState> {
  const op = new ApprovableOperation(input, initialState(input), ['checking-preconditions', 'awaiting-approval']);
  const acts = rolloutActivities();
  const notifier = OperationNotifier.for(input);
  registerHandlers(op);
  const progress = (): PromotionProgress => op.state.promotion ?? initialState(input).promotion!;
  const finishOp = finisher(op, notifier);

  /** Ends the promotion: its record in the audit trail first (the CM-3 change record), then the answer. */
  const finish = async (outcome: OperationOutcome, message: string): Promise<OperationState> => {
    const p = progress();
    const record: PromotionRecord = {
      operationId: input.operationId,
      service: input.service,
      version: input.version,
      ...(p.digest ? { digest: p.digest } : {}),
      from: input.from,
      to: input.environment,
      requestedBy: input.requester.userId,
      requestedAt: op.state.startedAt,
      approvedBy: op.state.approvals.map((a) => ({ approver: a.approver, at: a.at, mfa: a.mfa })),
      outcome,
      message,
      finishedAt: new Date().toISOString(),
      checks: p.checks,
      ...(p.rollout ? { rollout: p.rollout } : {}),
    };
    await audit(acts, op, 'promoted', input.requester.userId, { ...record });
    return finishOp(outcome, message);
  };

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      version: input.version,
      from: input.from,
    });
    notifier.send(op.state, 'requested');

    const { rollout } = input;
    const resolved = await acts.resolveArtifact({
      environment: input.environment,
      service: input.service,
      image: rollout.service.image,
      tag: input.version,
    });
    if (resolved.kind !== 'resolved') {
      const why =
        resolved.kind === 'refused'
          ? resolved.reason
          : `${resolved.reason}; a promotion moves one digest between stages and needs the registry`;
      return finish('failed', `refused: ${why}. Nothing was promoted.`);
    }
    const artifact = resolved.artifact;
    op.update({ promotion: { ...progress(), digest: artifact.digest, reference: artifact.reference } });

    // Read by a worker of the previous stage (its queue), never through the target environment's credentials.
    const { readPromotionEvidence } = proxyActivities<Activities>({
      ...kubernetesDriftActivity,
      ...(input.previous.taskQueue ? { taskQueue: input.previous.taskQueue } : {}),
    });
    const evidence = await readPromotionEvidence({
      from: input.from,
      target: input.previous.target,
      traffic: input.previous.traffic,
      reference: artifact.reference,
    });
    // The gate scans the tag as the rollout's does (scan archives are named by tag); the rollout checks it again.
    const gate = await acts.rolloutSecurityGate({
      target: rollout.target,
      image: `${rollout.service.image}:${input.version}`,
      requester: input.requester.userId,
    });
    const freeze = activeFreeze(policy);
    const checks = judgePromotion({
      service: input.service,
      to: input.environment,
      artifact,
      evidence,
      gate,
      freeze,
      now: Date.now(),
    });
    op.update({ promotion: { ...progress(), checks } });
    await audit(acts, op, 'previewed', 'infra-agent', { digest: artifact.digest, checks });
    const failed = checks.filter((c) => !c.passed);
    if (failed.length > 0) {
      return finish(freeze ? 'frozen' : 'failed', `refused: ${checkLines(failed).join('; ')}. Nothing was promoted.`);
    }

    // The approval names this digest, going to this environment, in this run.
    op.update({
      preview: {
        artifactId: `${artifact.reference}@${input.environment}#${runRef()}`,
        stackName: input.service,
        changes: [],
      },
    });
    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') return finish(decision.outcome, decision.message);

    op.update({ phase: 'promoting', promotion: { ...progress(), rollout: { operationId: rollout.operationId } } });
    notifier.send(op.state, 'executing');
    // The rollout holds its own lock (`rollout/<env>/<service>`): a rollout already running there makes this fail.
    // ABANDON: a promotion terminated by hand must not terminate its rollout mid-split; the rollout keeps its own
    // safety (analysis, rollback, abort) and its own record.
    const child = await executeChild(blueGreenRolloutWorkflow, {
      workflowId: rollout.operationId,
      parentClosePolicy: 'ABANDON',
      args: [
        {
          ...rollout,
          version: input.version,
          promotion: { operationId: input.operationId, digest: artifact.digest, approvals: op.state.approvals },
        },
      ],
    });
    const outcome = child.outcome ?? 'failed';
    op.update({
      promotion: {
        ...progress(),
        rollout: { operationId: rollout.operationId, outcome, ...(child.message ? { message: child.message } : {}) },
      },
    });
    const words = `${input.service} ${input.version} (${artifact.digest}) ${input.from} → ${input.environment}`;
    return outcome === 'succeeded'
      ? finish('succeeded', `promoted ${words}: ${child.message ?? ''}`)
      : finish(outcome, `the rollout of ${words} ended ${outcome}: ${child.message ?? ''}`);
  });
}
