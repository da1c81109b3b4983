import { parseOperationId } from '../../../core/operation-id';
import type { ListenerDeps } from '../../deps';
import { commandButtonCallback } from './command-button';

/** The line a Keep click is: `keep <resource> <env>` for the reap operation id on the notice (`reap/dev/<id>`). */
export function keepLineOf(operationId: string): string | undefined {
  const op = parseOperationId(operationId);
  return op?.kind === 'reap' ? `keep ${op.target} ${op.environment}` : undefined;
}

/**
 * Keep on a reap notice: runs `keep <resource> dev` for the person who clicked, through the one dispatcher (anyone in
 * the user list, during the notice; the workflow's Update validator decides, the dispatcher audits a refusal). The
 * answer goes into the notice's thread; the notice itself is updated by the operation when it ends `cancelled`.
 */
export function reapKeepCallback(deps: ListenerDeps) {
  return commandButtonCallback(deps, 'Keep', keepLineOf);
}
