import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AuditLog } from '../../core/audit';
import type { OperationSummary, StartedOperation } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput, OperationConflict } from '../../core/errors';
import type { OperationState } from '../../core/operations';
import type { OPERATION_KINDS } from '../../core/operation-id';
import { parseOperationId } from '../../core/operation-id';
import type { Requester } from '../../core/requester';
import {
  blueGreenRolloutWorkflow,
  deleteStackWorkflow,
  deployStackWorkflow,
  promoteWorkflow,
  helmReleaseWorkflow,
  reapWorkflow,
  remediateServiceWorkflow,
  remediateStackWorkflow,
  rollbackWorkflow,
} from '../../workflows';
import type { OperationBaseInput } from '../../workflows/definitions';
import {
  abortUpdate,
  approveUpdate,
  cancelUpdate,
  keepUpdate,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  stateQuery,
} from '../../workflows/definitions';
import { fromQueryFailure, fromUpdateFailure } from './temporal-errors';
import { allTaskQueues, taskQueueFor, taskQueueOfWorkflowId } from '../../core/task-queues';

/** The workflow that runs each kind of approvable operation, and how a busy lock names what holds it. */
const WORKFLOWS = {
  'deploy-stack': { workflow: deployStackWorkflow, what: 'a change' },
  'delete-stack': { workflow: deleteStackWorkflow, what: 'a change' },
  'remediate-stack': { workflow: remediateStackWorkflow, what: 'a change' },
  'remediate-service': { workflow: remediateServiceWorkflow, what: 'a drift remediation' },
  rollout: { workflow: blueGreenRolloutWorkflow, what: 'a rollout' },
  rollback: { workflow: rollbackWorkflow, what: 'a rollback' },
  'helm-install': { workflow: helmReleaseWorkflow, what: 'a change' },
  'helm-upgrade': { workflow: helmReleaseWorkflow, what: 'a change' },
  'helm-rollback': { workflow: helmReleaseWorkflow, what: 'a change' },
  reap: { workflow: reapWorkflow, what: 'a reap' },
  promote: { workflow: promoteWorkflow, what: 'a promotion' },
} as const;
export type OperationKindName = keyof typeof WORKFLOWS;
const WORKFLOW_TYPES = [...new Set(Object.values(WORKFLOWS).map((w) => w.workflow.name))];

/** The lock unit of each operation id kind, for the busy message. */
const UNIT: Readonly<Record<(typeof OPERATION_KINDS)[number], string>> = {
  stack: 'stack',
  rollout: 'service',
  helm: 'release',
  reap: 'resource',
  promote: 'service',
};

export type DecisionName = 'approve' | 'reject' | 'cancel' | 'pause' | 'resume' | 'abort' | 'keep';

/**
 * Operations: the approvable workflows' lifecycle seen from the client — one exclusive start path (the workflow id
 * is the lock), the state query, and every decision (approve, reject, cancel, pause, resume, abort) as an Update
 * whose refusals are audited here, because Temporal keeps no trace of updates its validators reject.
 */
export class Operations {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  /** The queue an operation runs on: its environment's (core/task-queues.ts). */
  private queueOf(operationId: string): string {
    return taskQueueOfWorkflowId(this.config, operationId);
  }

  /** Link to one workflow in the Temporal Web UI, when a UI URL is configured. */
  url(workflowId: string): string | undefined {
    const ui = this.config.temporal.uiUrl;
    return ui
      ? `${ui}/namespaces/${this.config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
      : undefined;
  }

  private started(operationId: string, duplicate: boolean): StartedOperation {
    const url = this.url(operationId);
    return { operationId, duplicate, ...(url ? { url } : {}) };
  }

  /**
   * Starts an approvable operation. The workflow id is the lock: the same request again (a duplicate delivery) gets
   * the existing operation; anyone else's is told who holds the lock since when, and how to follow (or stop) it.
   */
  async start<I extends OperationBaseInput>(
    kind: OperationKindName,
    input: I,
    target: string,
  ): Promise<StartedOperation> {
    const { workflow } = WORKFLOWS[kind];
    // The same request again after its operation finished (a retried delivery, a re-sent terminal command): the
    // reuse policy would let it start a second run, so the last run's requester is checked first.
    const last = await this.client.workflow
      .getHandle(input.operationId)
      .describe()
      .catch(() => undefined);
    if (last && last.status.name !== 'RUNNING') {
      const holder = (last.memo?.requester ?? {}) as Partial<Requester>;
      if (holder.requestId === input.requester.requestId) return this.started(input.operationId, true);
    }
    try {
      await this.client.workflow.start(workflow as unknown as (input: I) => Promise<OperationState>, {
        taskQueue: taskQueueFor(this.config, input.environment),
        workflowId: input.operationId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: [input],
        memo: { requester: input.requester },
        searchAttributes: {
          InfraEnvironment: [input.environment],
          InfraRequester: [input.requester.userId],
          InfraTarget: [target],
          InfraKind: [kind],
        },
      });
      return this.started(input.operationId, false);
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      const desc = await this.client.workflow.getHandle(input.operationId).describe();
      const holder = (desc.memo?.requester ?? {}) as Partial<Requester>;
      if (holder.requestId === input.requester.requestId) return this.started(input.operationId, true);
      const who = holder.displayName ?? holder.userId ?? 'someone';
      const parts = parseOperationId(input.operationId);
      if (parts?.kind === 'stack') {
        throw new OperationConflict(
          `${input.operationId} is busy: ${who} started an operation on it at ${desc.startTime.toISOString()} ` +
            `(status: ${desc.status.name}). One change at a time per stack and environment: wait for it, or see \`status ${input.operationId}\``,
        );
      }
      const what = Object.values(WORKFLOWS).find((w) => w.workflow.name === desc.type)?.what ?? 'a change';
      throw new OperationConflict(
        `${parts?.target ?? target} in ${input.environment} is busy: ${who} started ${what} at ${desc.startTime.toISOString()}. ` +
          `One change at a time per ${parts ? UNIT[parts.kind] : 'target'} and environment: follow it with \`status ${input.operationId}\`` +
          (desc.type === blueGreenRolloutWorkflow.name ? `, or stop it with \`abort ${input.operationId}\`` : ''),
      );
    }
  }

  private handle(operationId: string): WorkflowHandle {
    return this.client.workflow.getHandle(operationId);
  }

  /** The operation's current (or final) state. */
  async state(operationId: string): Promise<OperationState> {
    try {
      return await this.handle(operationId).query(stateQuery);
    } catch (e) {
      throw fromQueryFailure(e, operationId, this.queueOf(operationId));
    }
  }

  /**
   * What holds a running operation up, when something does: an activity Temporal keeps retrying (the audit trail
   * cannot be written, AWS or the Kubernetes API does not answer). The phase alone would say "waiting for approval"
   * or "validating" and nothing else.
   */
  async heldUpBy(operationId: string): Promise<string | undefined> {
    const d = await this.handle(operationId)
      .describe()
      .catch(() => undefined);
    if (!d || d.status.name !== 'RUNNING') return undefined;
    const stuck = (d.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 0) >= 2 && a.lastFailure);
    if (stuck.length === 0) return undefined;
    return stuck
      .map(
        (a) =>
          `${a.activityType?.name ?? 'a step'} has failed ${(a.attempt ?? 1) - 1} time(s) and is being retried: ${a.lastFailure?.message ?? '?'}`,
      )
      .join('; ');
  }

  /** Waits for the operation's result. */
  async result(operationId: string): Promise<OperationState> {
    return (await this.handle(operationId).result()) as OperationState;
  }

  /**
   * Sends a decision. `state` is what the decider saw (its environment and target go into a refusal's audit
   * record). A refusal is audited, then thrown in the product's words (refused / busy / already finished).
   */
  async decide(
    operationId: string,
    decision: DecisionName,
    who: Requester,
    state: OperationState,
    args: { artifactId?: string; mfaVerified?: boolean; reason?: string } = {},
  ): Promise<OperationState> {
    const h = this.handle(operationId);
    try {
      switch (decision) {
        case 'approve':
          return await h.executeUpdate(approveUpdate, {
            args: [
              {
                approver: who.userId,
                artifactId: args.artifactId ?? state.preview?.artifactId ?? '',
                via: who.via,
                mfaVerified: args.mfaVerified ?? false,
              },
            ],
          });
        case 'reject':
          return await h.executeUpdate(rejectUpdate, {
            args: [{ by: who.userId, reason: args.reason ?? '', via: who.via }],
          });
        case 'cancel':
          return await h.executeUpdate(cancelUpdate, { args: [{ by: who.userId }] });
        case 'keep':
          return await h.executeUpdate(keepUpdate, { args: [{ by: who.userId, via: who.via }] });
        case 'pause':
        case 'resume':
        case 'abort': {
          if (state.kind !== 'rollout') {
            throw new InvalidInput(
              `${operationId} is a ${state.kind}, not a rollout: ${decision} applies to rollouts only`,
            );
          }
          const update = decision === 'pause' ? pauseUpdate : decision === 'resume' ? resumeUpdate : abortUpdate;
          return await h.executeUpdate(update, { args: [{ by: who.userId, via: who.via }] });
        }
      }
    } catch (e) {
      if (e instanceof InvalidInput) throw e;
      const error = await fromUpdateFailure(e, this.client, operationId, this.queueOf(operationId));
      await this.recordRefusal(decision, operationId, state, who, error.message, args);
      throw error;
    }
  }

  /** Records a refused decision in the audit trail (Temporal keeps no trace of rejected updates). */
  async recordRefusal(
    decision: DecisionName,
    operationId: string,
    state: Pick<OperationState, 'environment' | 'target'>,
    who: Requester,
    reason: string,
    args: { artifactId?: string; reason?: string } = {},
  ): Promise<void> {
    const action = decision === 'reject' ? 'rejection-refused' : 'approval-refused';
    const details: Record<string, unknown> =
      decision === 'approve'
        ? { artifactId: args.artifactId ?? '' }
        : decision === 'reject'
          ? { reason: args.reason ?? '' }
          : { attempted: decision };
    await this.audit.append({
      key: `${operationId}|refused|${who.requestId}|${action}`,
      action,
      actor: who.userId,
      operationId,
      environment: state.environment,
      target: state.target,
      details: { ...details, reason, via: who.via },
    });
  }

  /** Running operations, then the most recently finished ones with how each ended. */
  async list(limit = 20): Promise<OperationSummary[]> {
    const out: (OperationSummary & { runId: string })[] = [];
    for await (const w of this.client.workflow.list({
      // Only this deployment's operations: another infra-agent (or a test) sharing the namespace uses its own task
      // queues, and querying its workflows would wait for workers that are not ours.
      query:
        `WorkflowType IN (${WORKFLOW_TYPES.map((t) => JSON.stringify(t)).join(',')})` +
        ` AND TaskQueue IN (${allTaskQueues(this.config)
          .map((q) => JSON.stringify(q))
          .join(',')})`,
    })) {
      const r = (w.memo?.requester ?? {}) as Partial<Requester>;
      out.push({
        operationId: w.workflowId,
        runId: w.runId,
        kind: w.type,
        status: w.status.name,
        requester: r.userId ?? '?',
        startedAt: w.startTime.toISOString(),
      });
      if (out.length >= limit * 3) break;
    }
    const running = out.filter((o) => o.status === 'RUNNING');
    const closed = out.filter((o) => o.status !== 'RUNNING').slice(0, Math.max(0, limit - running.length));
    // A COMPLETED run may have failed, been rejected or aborted: its own result says how it ended.
    const withOutcome = await Promise.all(
      closed.map(async ({ runId, ...o }): Promise<OperationSummary> => {
        if (o.status !== 'COMPLETED') return o;
        const outcome = await this.client.workflow
          .getHandle(o.operationId, runId)
          .result()
          .then(
            (s) => (s as OperationState).outcome,
            () => undefined,
          );
        return outcome ? { ...o, outcome } : o;
      }),
    );
    return [...running.map(({ runId: _r, ...o }) => o), ...withOutcome];
  }
}

/** The environment an operation id names, for policy checks before its state is known. */
export function environmentOfId(operationId: string): EnvironmentName | undefined {
  return parseOperationId(operationId)?.environment;
}
