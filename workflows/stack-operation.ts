import { isCancellation, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AccessGrant } from '../core/access';
import type { OperationState } from '../core/operations';
import type { VerifyReport } from '../core/verify/report';
import { verifyReport } from '../core/verify/report';
import { buildStackVerifyReport } from '../core/verify/stack';
import { heartbeatToolActivity, notifyActivity, shortActivity, waitActivity } from './activity-options';
import { accessGrant, finisher, registerHandlers } from './approval-flow';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';
import type { StackOperationInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import { verificationWords } from './verify';

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
    readStackVerification: short.readStackVerification,
    recordAudit: quiet.recordAudit,
    raiseVerifyAlert: quiet.raiseVerifyAlert,
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
  // New in this version: a deploy that succeeded verifies what it deployed (docs/drift.md). Deploys that ran
  // before it replay without the verification's activities.
  const verification =
    result.succeeded && op.state.kind === 'deploy-stack' && patched('verify-after-deploy')
      ? await verifyDeployed(op, acts)
      : undefined;
  op.update({
    phase: 'done',
    outcome: result.succeeded ? 'succeeded' : 'failed',
    message: result.succeeded
      ? `${op.input.stack.stackName} is ${result.status}${verification ? `; ${verificationWords(verification)}` : ''}`
      : `${op.input.stack.stackName} ended ${result.status}${result.reason ? `: ${result.reason}` : ''}`,
    ...(verification ? { verification } : {}),
  });
  notifier?.send(op.state, 'done');
  if (!result.succeeded) notifier?.alert(op.state);
  if (verification) await alertVerification(acts, op, verification);
  await notifier?.flush();
  return op.state;
}

/** The verification of a deployed stack; one that could not run is a failed check saying why (never a crash). */
async function verifyDeployed(op: StackOperation, acts: StackActs): Promise<VerifyReport> {
  const { environment, region, stack } = op.input;
  op.update({ phase: 'verifying' });
  try {
    const state = await acts.readStackVerification({ region, stackName: stack.stackName });
    return buildStackVerifyReport(environment, stack.name, state);
  } catch (e) {
    if (isCancellation(e)) throw e;
    let root: unknown = e;
    while (root instanceof Error && root.cause instanceof Error) root = root.cause;
    const why = root instanceof Error ? root.message : String(root);
    const base = { kind: 'stack' as const, environment, subject: stack.name, target: stack.stackName };
    return verifyReport({ ...base, checkedAt: new Date().toISOString() }, [
      { name: 'verification', passed: false, detail: `could not run: ${why}` },
    ]);
  }
}

/**
 * A failed verification alerts on call (`verify/<env>/<stack>`), a passing one resolves an open alert. Never fails
 * the deploy: the change is made, and the thread already says how the verification went.
 */
async function alertVerification(acts: StackActs, op: StackOperation, report: VerifyReport): Promise<void> {
  const channel = op.input.notify?.alertsChannel;
  try {
    await acts.raiseVerifyAlert({ report, ...(channel ? { channel } : {}) });
  } catch (e) {
    if (isCancellation(e)) throw e;
  }
}
