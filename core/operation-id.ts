import type { EnvironmentName } from './environments';

/**
 * An operation's id is its workflow id and its lock: `<kind>/<env>/<target>`, e.g. `stack/dev/vpc`,
 * `rollout/prd/payments-api`, `helm/dev/sample-app`, `promote/tst/payments-api`. One change per kind, environment and target at a time.
 * This module is the only place that knows the format; everything else formats and parses through it.
 */
export const OPERATION_KINDS = ['stack', 'rollout', 'helm', 'reap', 'promote'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** A branded string, so an arbitrary string is not taken for an operation id by mistake. */
export type OperationId = string & { readonly __operationId: true };

export interface OperationIdParts {
  readonly kind: OperationKind;
  readonly environment: EnvironmentName;
  /** The catalog name of the stack, service or release. */
  readonly target: string;
}

const TARGET = '[a-z0-9][a-z0-9-]{0,62}';
/** The whole grammar of an operation id (the tool schema hands `.source` to the language model). */
export const OPERATION_ID = new RegExp(`^(${OPERATION_KINDS.join('|')})\\/(dev|tst|prd)\\/${TARGET}$`);
/** The operations pause, resume and abort apply to: blue/green rollouts. */
export const ROLLOUT_OPERATION_ID = new RegExp(`^rollout\\/(dev|tst|prd)\\/${TARGET}$`);

export function formatOperationId(kind: OperationKind, environment: EnvironmentName, target: string): OperationId {
  return `${kind}/${environment}/${target}` as OperationId;
}

/** The parts of a well-formed operation id, or undefined. */
export function parseOperationId(id: string): OperationIdParts | undefined {
  if (!OPERATION_ID.test(id)) return undefined;
  const [kind, environment, target] = id.split('/') as [OperationKind, EnvironmentName, string];
  return { kind, environment, target };
}

export const isOperationId = (id: string): id is OperationId => OPERATION_ID.test(id);

/** The environment an operation id names, if it is one. */
export function environmentOfOperation(id: string): EnvironmentName | undefined {
  return parseOperationId(id)?.environment;
}
