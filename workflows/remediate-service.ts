import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KubernetesDriftReport } from '../core/drift/kubernetes';
import { buildServiceDriftReport } from '../core/drift/kubernetes';
import type { ServiceRestorePlan } from '../core/drift/service-remediation';
import { serviceRestorePlan } from '../core/drift/service-remediation';
import type { OperationState } from '../core/operations';
import type { ServiceTarget, TrafficSpec } from '../core/rollout/types';
import { heartbeatCallActivity, heartbeatWriteActivity, notifyActivity } from './activity-options';
import {
  activeFreeze,
  awaitDecision,
  finisher,
  registerHandlers,
  resolvePolicy,
  withFailureOutcome,
} from './approval-flow';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';
import type { OperationBaseInput } from './definitions';
import { OperationNotifier } from './operation-notifier';

const { readServiceState } = proxyActivities<Activities>(heartbeatCallActivity);
const { restoreServiceColours } = proxyActivities<Activities>(heartbeatWriteActivity);
const { raiseDriftAlert, noteAlert, recordAudit } = proxyActivities<Activities>(notifyActivity);

/** `remediate service {service} {env}`: resolved from config by the gateway, recorded in history. */
export interface RemediateServiceInput extends OperationBaseInput {
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
  /** The catalog's container port (used only when a live Deployment declares none). */
  readonly port: number;
  /** The drift id the gateway's check found when remediation was asked for (shown and audited). */
  readonly driftId?: string;
  /** The environment's alerts channel: the re-check resolves (or keeps) the drift alert there. */
  readonly alertsChannel?: string;
}

/**
 * Approved Kubernetes drift remediation of a rollout service: read both colours → the drifted fields, live →
 * applied, on the approval card → approval per the environment's policy (not the requester; PRD needs MFA) → one
 * idempotent re-apply of what the last rollout recorded → a drift re-check through the alert rule (clean resolves
 * the alert). The lock is the service's rollout id: it never runs beside a rollout or rollback.
 */
export async function remediateServiceWorkflow(input: RemediateServiceInput): Promise<OperationState> {
  const { service, namespace } = input.target;
  const op = new ApprovableOperation(
    input,
    {
      operationId: input.operationId,
      kind: 'remediate-service',
      environment: input.environment,
      target: `${namespace}/${service}`,
      requester: input.requester,
      startedAt: new Date(workflowInfo().startTime).toISOString(),
      phase: 'diffing',
      findings: [],
      approvalsRequired: 1,
      approvals: [],
      events: [],
    },
    ['diffing', 'awaiting-approval'],
  );
  registerHandlers(op);
  const notifier = OperationNotifier.for(input);
  const acts = { recordAudit };
  const finish = finisher(op, notifier);
  const check = async (): Promise<{ report: KubernetesDriftReport; plan: ServiceRestorePlan }> => {
    const state = await readServiceState({ target: input.target, traffic: input.traffic });
    const report = buildServiceDriftReport(input.environment, state);
    return { report, plan: serviceRestorePlan(report, state) };
  };

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      remediate: true,
      ...(input.driftId ? { driftId: input.driftId } : {}),
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    const { report, plan } = await check();
    if (plan.colours.length === 0) {
      await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes', drift: report.status });
      const left = plan.notRestorable.length ? `; cannot be put back: ${plan.notRestorable.join('; ')}` : '';
      return finish('no-changes', `nothing to put back: ${report.summary}${left}`);
    }
    const artifactId = `${service}@${report.fingerprint}#${workflowInfo().runId}`;
    op.update({
      preview: {
        artifactId,
        stackName: `${namespace}/${service}`,
        changes: plan.colours.map((c) => ({
          action: 'Modify',
          logicalId: `${namespace}/${c.name}`,
          resourceType: 'Deployment',
          revert: c.lines,
        })),
        ...(plan.notRestorable.length ? { hooks: plan.notRestorable.map((l) => `not put back: ${l}`) } : {}),
      },
    });
    await audit(acts, op, 'previewed', 'infra-agent', {
      artifactId,
      driftId: report.fingerprint,
      colours: plan.colours.length,
    });

    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') return finish(decision.outcome, decision.message);

    op.update({ phase: 'executing' });
    notifier.send(op.state, 'executing');
    const written = await restoreServiceColours({
      target: input.target,
      colours: plan.colours,
      port: input.port,
      operationId: input.operationId,
    });
    await audit(acts, op, 'executed', 'infra-agent', {
      approvers: op.state.approvals.map((a) => a.approver),
      colours: written.colours,
    });
    const applied = `${plan.colours.map((c) => `${c.name} back to ${c.image} ×${c.replicas}`).join(', ')}`;
    const recheckLine = await recheck(input, op);
    await audit(acts, op, 'completed', 'infra-agent', { outcome: 'succeeded' });
    return finish('succeeded', `${applied}; ${recheckLine}`);
  });

  /** The drift check after the write: its report goes through the alert rule (clean resolves the alert). */
  async function recheck(i: RemediateServiceInput, o: ApprovableOperation): Promise<string> {
    let report: KubernetesDriftReport;
    try {
      report = (await check()).report;
    } catch (e) {
      if (isCancellation(e)) throw e;
      const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
      return `the drift re-check failed: ${reason} (run \`drift service ${service} ${i.environment}\`)`;
    }
    const clean = report.status === 'IN_SYNC';
    const line = clean
      ? `drift re-check: in sync (checked ${report.checkedAt})`
      : `drift re-check: STILL DRIFTED — ${report.summary}`;
    await audit(acts, o, 'drift-rechecked', 'infra-agent', { drift: report.status, driftId: report.fingerprint });
    try {
      await raiseDriftAlert({ report, ...(i.alertsChannel ? { channel: i.alertsChannel } : {}) });
      const approvers = o.state.approvals.map((a) => a.approver).join(', ');
      await noteAlert({
        key: `drift/${i.environment}/service-${service}`,
        postKey: `remediated|${i.operationId}|${o.state.startedAt}`,
        note:
          `${clean ? ':white_check_mark:' : ':warning:'} remediation ${i.operationId} (requested by ` +
          `${i.requester.displayName}, approved by ${approvers || 'nobody'}) re-applied what the last rollout ` +
          `recorded; ${line}`,
      });
    } catch (e) {
      // The operation's own message carries the result; the next scheduled check resolves or re-raises the alert.
      if (isCancellation(e)) throw e;
    }
    return line;
  }
}
