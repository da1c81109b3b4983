import type { Client } from '@temporalio/client';
import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  InvalidInput,
  NoWorkerAnswering,
  OperationConflict,
  OperationFinished,
  PermissionDenied,
} from '../../core/errors';
import type { OperationState } from '../../core/operations';

/**
 * The one translation of Temporal's errors into the product's error vocabulary (core/errors.ts), so both front
 * ends read the same words through `refusalOf`. Failures are mapped by their failure type, never by message text.
 */

const GRPC_NOT_FOUND = 5;
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_DEADLINE_EXCEEDED = 4;

/** The innermost ApplicationFailure of an error chain (what an activity or a validator threw), if any. */
export function applicationRoot(e: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  let cur: unknown = e;
  for (let i = 0; cur instanceof Error && i < 20; i++) {
    if (cur instanceof ApplicationFailure) found = cur;
    cur = cur.cause;
  }
  return found;
}

/** Our error class for an ApplicationFailure's type, keeping its message; undefined for other types. */
export function productError(f: ApplicationFailure): Error | undefined {
  switch (f.type) {
    case 'PermissionDenied':
      return new PermissionDenied(f.message);
    case 'OperationConflict':
      return new OperationConflict(f.message);
    case 'InvalidInput':
    case 'ToolMissing':
      return new InvalidInput(f.message);
    default:
      return undefined;
  }
}

/** gRPC status of a service error anywhere in the chain (the SDK wraps it in ServiceError). */
function grpcCode(e: unknown): number | undefined {
  let cur: unknown = e;
  for (let i = 0; cur && i < 10; i++) {
    if (isGrpcServiceError(cur)) return cur.code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when a query or update found no worker to answer it (deadline, or "no poller seen recently"). */
export function isNoWorker(e: unknown): boolean {
  if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (isGrpcDeadlineError(e)) return true;
  const code = grpcCode(e);
  return code === GRPC_DEADLINE_EXCEEDED || code === GRPC_FAILED_PRECONDITION;
}

export function noWorkerError(operationId: string | undefined, taskQueue: string): NoWorkerAnswering {
  return new NoWorkerAnswering(
    `${operationId ? `${operationId} is recorded, but no` : 'No'} worker answered on task queue '${taskQueue}'. ` +
      'Is a worker running? Start one with: node bin/infra-agent worker (npm start runs one). ' +
      (operationId ? 'Nothing is lost: the operation continues when a worker is back.' : 'Nothing was started.'),
  );
}

/** A query's failure in our words: unknown operation, no worker, or the error itself. */
export function fromQueryFailure(e: unknown, operationId: string, taskQueue: string): Error {
  if (e instanceof WorkflowNotFoundError || grpcCode(e) === GRPC_NOT_FOUND)
    return new InvalidInput(`no operation ${operationId} (see list)`);
  if (isNoWorker(e)) return noWorkerError(operationId, taskQueue);
  return e instanceof Error ? e : new Error(String(e));
}

/** How a finished operation ended, in words for a decision that came too late. */
function finishedWords(s: OperationState | undefined): string {
  if (!s) return 'it has already finished';
  if (s.rejection) return `it was already rejected by ${s.rejection.by} (${s.rejection.reason})`;
  if (s.outcome === 'expired') return 'its approval window already expired';
  if (s.outcome === 'cancelled') return 'it was already cancelled';
  if (s.approvals.length >= s.approvalsRequired && s.approvals.length > 0)
    return `it was already approved by ${s.approvals.map((a) => a.approver).join(', ')} and finished: ${s.outcome ?? 'done'}`;
  return `it has already finished: ${s.outcome ?? 'done'}${s.message ? ` — ${s.message}` : ''}`;
}

/**
 * An Update's failure in our words. A validator's refusal keeps its type (a conflict is "busy", not "refused"); an
 * update that reached a workflow which had finished meanwhile (lost a race, came after expiry) says how it ended.
 */
export async function fromUpdateFailure(
  e: unknown,
  client: Client,
  operationId: string,
  taskQueue: string,
): Promise<Error> {
  const root = applicationRoot(e);
  if (e instanceof WorkflowUpdateFailedError && root) {
    const mapped = productError(root);
    if (mapped) return mapped;
  }
  const closed = await closedState(client, operationId);
  if (closed !== 'running')
    return new OperationFinished(`${operationId}: ${finishedWords(closed)}; nothing was changed by this request`);
  if (isNoWorker(e)) return noWorkerError(operationId, taskQueue);
  if (e instanceof WorkflowUpdateFailedError) return new PermissionDenied(root?.message ?? e.message);
  return e instanceof Error ? e : new Error(String(e));
}

/** 'running', or the final state of a closed operation (undefined when it ended without one, e.g. terminated). */
async function closedState(client: Client, operationId: string): Promise<OperationState | undefined | 'running'> {
  try {
    const h = client.workflow.getHandle(operationId);
    const d = await h.describe();
    if (d.status.name === 'RUNNING') return 'running';
    return await h.result().then(
      (r) => r as OperationState,
      () => undefined,
    );
  } catch {
    return 'running';
  }
}

/** A read workflow's failure: the agent's refusals and the tools' own answers pass on as answers. */
export function fromReadFailure(e: unknown, what: string): Error {
  const root = applicationRoot(e);
  if (!(e instanceof WorkflowFailedError) || !root) return e instanceof Error ? e : new Error(String(e));
  const mapped = productError(root);
  if (mapped) return mapped;
  return new Error(`${what} failed: ${root.message}`);
}

export { ServiceError };
