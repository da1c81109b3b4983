import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AccessGrant } from '../core/access';
import type { OperationState } from '../core/operations';
import { heartbeatToolActivity, notifyActivity, shortActivity, waitActivity } from './activity-options';
import { accessGrant, finisher, registerHandlers } from './approval-flow';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';
import type { StackOperationInput } from './definitions';
import { OperationNotifier } from './operation-notifier';

/** A stack deploy or delete: the approvable operation, started from its stack input. */
export class StackOperation extends ApprovableOperation<StackOperationInput> {
  constructor(input: StackOperationInput, kind: OperationState['kind']) {
    super(
      input,
      {
        operationId: input.operationId,
        kind,
        environment: input.environment,
        target: input.stack.stackName,
        requester: input.requester,
        startedAt: new Date(workflowInfo().startTime).toISOString(),
        phase: kind === 'deploy-stack' ? 'validating' : 'creating-change-set',
        findings: [],
        approvalsRequired: input.approval?.required ?? 1,
        approvals: [],
        events: [],
      },
      ['validating', 'creating-change-set', 'awaiting-approval'],
    );
  }
}

/** Activity proxies for stack operations; mutating calls get a start-to-close the input may shorten. */
export function stackActivities(input: StackOperationInput) {
  // proxyActivities returns a Proxy without own keys: pick each activity by name (spreading yields nothing).
  const short = proxyActivities<Activities>(shortActivity);
  // cfn-lint and cfn-guard heartbeat while they run: a killed worker's validation moves on in seconds.
  const tool = proxyActivities<Activities>(heartbeatToolActivity);
  const wait = proxyActivities<Activities>(waitActivity);
  const quiet = proxyActivities<Activities>(notifyActivity);
  const mutating = proxyActivities<Activities>({
    ...shortActivity,
    startToCloseTimeout: input.tuning?.mutatingCallTimeoutMs ?? 60_000,
  });
  return {
    validateTemplates: tool.validateTemplates,
    stackConfigGate: tool.stackConfigGate,
    createChangeSet: wait.createChangeSet,
    waitForStackStable: wait.waitForStackStable,
    deleteChangeSet: short.deleteChangeSet,
    previewStackDeletion: short.previewStackDeletion,
    recordAudit: quiet.recordAudit,
    executeChangeSet: mutating.executeChangeSet,
    deleteStack: mutating.deleteStack,
  };
}

type StackActs = ReturnType<typeof stackActivities>;

/**
 * What every stack operation starts with: its state, activities, thread notifier and handlers, and the
 * `finish` that records an outcome, posts it and waits (bounded) for the post before the workflow ends.
 */
export function beginStackOperation(input: StackOperationInput, kind: OperationState['kind']) {
  const op = new StackOperation(input, kind);
  const acts = stackActivities(input);
  const notifier = OperationNotifier.for(input);
  registerHandlers(op);
  return { op, acts, notifier, finish: finisher(op, notifier) };
}

/**
 * Runs the approved mutation once, waits for the stack to settle, and records the result. The wait knows
 * what it waits for: a stack that vanishes ends a delete, but fails a deploy.
 */
export async function executeApproved(
  op: StackOperation,
  acts: StackActs,
  notifier: OperationNotifier | undefined,
  mutate: (grant: AccessGrant | undefined) => Promise<{ startedAt: string; details: Record<string, unknown> }>,
): Promise<OperationState> {
  op.update({ phase: 'executing' });
  notifier?.send(op.state, 'executing');
  const grant = accessGrant(op);
  const started = await mutate(grant);
  await audit(acts, op, 'executed', 'infra-agent', {
    approvers: op.state.approvals.map((a) => a.approver),
    ...started.details,
  });
  op.update({ phase: 'waiting-for-stack' });
  const result = await acts.waitForStackStable({
    region: op.input.region,
    stackName: op.input.stack.stackName,
    operation: op.state.kind === 'delete-stack' ? 'delete' : 'deploy',
    sinceIso: started.startedAt,
    ...(op.input.tuning?.pollMs ? { pollMs: op.input.tuning.pollMs } : {}),
    ...(grant ? { grant } : {}),
  });
  op.update({ stackStatus: result.status, events: result.events });
  await audit(acts, op, result.succeeded ? 'completed' : 'failed', 'infra-agent', {
    status: result.status,
    reason: result.reason,
  });
  op.update({
    phase: 'done',
    outcome: result.succeeded ? 'succeeded' : 'failed',
    message: result.succeeded
      ? `${op.input.stack.stackName} is ${result.status}`
      : `${op.input.stack.stackName} ended ${result.status}${result.reason ? `: ${result.reason}` : ''}`,
  });
  notifier?.send(op.state, 'done');
  if (!result.succeeded) notifier?.alert(op.state);
  await notifier?.flush();
  return op.state;
}
