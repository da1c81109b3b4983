import { isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DriftIgnoreRule, StackDriftReport } from '../core/drift/report';
import { buildStackDriftReport } from '../core/drift/report';
import type { OperationState } from '../core/operations';
import { driftActivity, notifyActivity } from './activity-options';
import { activeFreeze, awaitDecision, resolvePolicy, withFailureOutcome } from './approval-flow';
import { audit } from './audit-activity';
import type { StackOperationInput } from './definitions';
import { NO_ATTRIBUTION } from './drift';
import { beginStackOperation, executeApproved } from './stack-operation';

const { detectStackDrift } = proxyActivities<Activities>(driftActivity);
const { raiseDriftAlert, noteAlert } = proxyActivities<Activities>(notifyActivity);

/** `remediate {stack} {env}`: the stack operation's input plus what the drift re-check after it needs. */
export interface RemediateStackInput extends StackOperationInput {
  readonly recheck: {
    /** The drift id the gateway's check found when remediation was asked for (shown and audited). */
    readonly driftId?: string;
    readonly ignore: readonly DriftIgnoreRule[];
    readonly pollMs: number;
    /** The environment's alerts channel: the re-check resolves (or keeps) the drift alert there. */
    readonly alertsChannel?: string;
  };
}

/**
 * Approved drift remediation: a drift-aware change set (REVERT_DRIFT: the deployed template, the drifted
 * resources listed with their property paths) → approval per the environment's policy (the requester cannot
 * approve, PRD needs MFA) → execute once → wait → a second drift check. Clean: the alert is resolved and its thread
 * says so; still drifted: the operation and the alert thread say what is left. Nothing drifted any more when the
 * change set is made: `no-changes`, nothing executed.
 */
export async function remediateStackWorkflow(input: RemediateStackInput): Promise<OperationState> {
  const { op, acts, notifier, finish } = beginStackOperation(input, 'remediate-stack');

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      remediate: true,
      ...(input.recheck.driftId ? { driftId: input.recheck.driftId } : {}),
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    op.update({ phase: 'creating-change-set' });
    const cs = await acts.createChangeSet({
      region: input.region,
      stackName: input.stack.stackName,
      templatePath: input.stack.templatePath,
      parameters: {},
      tags: {},
      revertDrift: true,
      ...(input.tuning?.pollMs ? { pollMs: input.tuning.pollMs } : {}),
    });
    const csRef = { region: input.region, stackName: input.stack.stackName, changeSetName: cs.changeSetName };
    if (cs.noChanges) {
      op.update({ phase: 'cleaning-up' });
      await acts.deleteChangeSet(csRef);
      await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes' });
      return finish('no-changes', `nothing drifted: ${input.stack.stackName} already matches its template`);
    }
    const { noChanges: _n, ...preview } = cs;
    op.update({ preview });
    await audit(acts, op, 'previewed', 'infra-agent', {
      artifactId: preview.artifactId,
      changes: preview.changes.length,
      revertDrift: true,
    });

    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') {
      op.update({ phase: 'cleaning-up' });
      await acts.deleteChangeSet(csRef);
      return finish(decision.outcome, decision.message);
    }

    const state = await executeApproved(op, acts, notifier, async (grant) => {
      const r = await acts.executeChangeSet({ ...csRef, ...(grant ? { grant } : {}) });
      return {
        startedAt: r.startedAt,
        details: {
          token: r.token,
          alreadyExecuted: r.alreadyExecuted,
          changeSetId: preview.artifactId,
          revertDrift: true,
          ...(r.assumedRoleArn ? { assumedRoleArn: r.assumedRoleArn, sourceIdentity: grant?.sourceIdentity } : {}),
        },
      };
    });
    if (state.outcome !== 'succeeded') return state;
    return recheck(input, op, notifier, acts);
  });
}

type Begun = ReturnType<typeof beginStackOperation>;

/** The second drift check after a successful remediation, its alert (resolved when clean) and the thread notes. */
async function recheck(
  input: RemediateStackInput,
  op: Begun['op'],
  notifier: Begun['notifier'],
  acts: Begun['acts'],
): Promise<OperationState> {
  const where = { environment: input.environment, stack: input.stack.name };
  let report: StackDriftReport;
  try {
    const raw = await detectStackDrift({
      region: input.region,
      stackName: input.stack.stackName,
      stack: input.stack.name,
      environment: input.environment,
      pollMs: input.recheck.pollMs,
    });
    report = buildStackDriftReport(raw, where, input.recheck.ignore, NO_ATTRIBUTION);
  } catch (e) {
    if (isCancellation(e)) throw e;
    const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    op.update({
      message: `${op.state.message ?? ''}; the drift re-check failed: ${reason} (run \`drift ${input.stack.name} ${input.environment}\`)`,
    });
    notifier.send(op.state, 'done');
    await notifier.flush();
    return op.state;
  }
  const clean = report.status === 'IN_SYNC';
  const approvers = op.state.approvals.map((a) => a.approver).join(', ');
  const recheckLine = clean
    ? `drift re-check: in sync (drift id gone; checked ${report.checkedAt})`
    : `drift re-check: STILL DRIFTED — ${report.summary}`;
  await audit(acts, op, 'drift-rechecked', 'infra-agent', {
    drift: report.status,
    ...(report.fingerprint ? { driftId: report.fingerprint } : {}),
  });
  try {
    await raiseDriftAlert({ report, ...(input.recheck.alertsChannel ? { channel: input.recheck.alertsChannel } : {}) });
    await noteAlert({
      key: `drift/${input.environment}/${input.stack.name}`,
      postKey: `remediated|${input.operationId}|${op.state.startedAt}`,
      note:
        `${clean ? ':white_check_mark:' : ':warning:'} remediation ${input.operationId} (requested by ` +
        `${input.requester.displayName}, approved by ${approvers || 'nobody'}) executed the drift-reverting change ` +
        `set; ${recheckLine}`,
    });
  } catch (e) {
    // The operation's own thread carries the result; the next scheduled check resolves or re-raises the alert.
    if (isCancellation(e)) throw e;
  }
  op.update({ message: `${op.state.message ?? ''}; ${recheckLine}` });
  notifier.send(op.state, 'done');
  await notifier.flush();
  return op.state;
}
