/**
 * The error vocabulary shared by activities and workflows. Temporal reports a thrown error's class name as
 * its failure type, so each type has one tiny class of the same name, and retry policies refer to the names.
 */
export const ErrorTypes = [
  'InvalidInput',
  'PermissionDenied',
  'ToolMissing',
  'StackNotFound',
  'ChangeSetFailed',
  'OperationConflict',
  'TransientFailure',
] as const;
export type ErrorType = (typeof ErrorTypes)[number];

/** Errors that retrying cannot fix: activity options list these as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  'InvalidInput',
  'PermissionDenied',
  'ToolMissing',
  'StackNotFound',
  'ChangeSetFailed',
  'OperationConflict',
];

/** Bad input from a person: the message says which field, what was wrong, what to do. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
}
/** The caller may not do this (not an approver, requester approving their own change, unknown user). */
export class PermissionDenied extends Error {
  override readonly name = 'PermissionDenied';
  /** Set when the catalog's permission rule refused the command itself (core/commands/policy.ts). */
  readonly policy?: 'unknown-user' | 'sensitive-read' | 'not-an-approver' | 'schedule-not-read' | 'dev-only';
  constructor(message: string, policy?: PermissionDenied['policy']) {
    super(message);
    if (policy) this.policy = policy;
  }
}
/** A required command-line tool is not installed. */
export class ToolMissing extends Error {
  override readonly name = 'ToolMissing';
}
export class StackNotFound extends Error {
  override readonly name = 'StackNotFound';
}
/** CloudFormation could not create the change set (other than "no changes"). */
export class ChangeSetFailed extends Error {
  override readonly name = 'ChangeSetFailed';
}
/** Another operation holds the target. */
export class OperationConflict extends Error {
  override readonly name = 'OperationConflict';
}
/** Worth retrying: throttling, timeouts, 5xx. */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
}

/**
 * No worker is polling the task queue (or none answered a query): the request cannot be served now. An operation
 * already started is safe in Temporal and continues when a worker is back.
 */
export class NoWorkerAnswering extends Error {
  override readonly name = 'NoWorkerAnswering';
}

/** The operation already finished (approved and done, rejected, expired, cancelled) when a decision arrived. */
export class OperationFinished extends Error {
  override readonly name = 'OperationFinished';
}

/**
 * An approval needs a second factor that was not given or not accepted. `reason` lets each front end say what to
 * do in its own terms (a flag or prompt in the terminal, the Approve button's modal in Slack).
 */
export class MfaRequired extends Error {
  override readonly name = 'MfaRequired';
  constructor(
    message: string,
    readonly reason: 'no-verifier' | 'no-code' | 'not-enrolled' | 'wrong' | 'reused' | 'locked',
    readonly environment: string,
  ) {
    super(message);
  }
}

/** How a front end words a known refusal: a short label and the sentence. */
export interface RefusalWords {
  readonly label: 'refused' | 'busy' | 'invalid' | 'no worker' | 'finished';
  readonly message: string;
}

const LABELS: Readonly<Record<string, RefusalWords['label']>> = {
  PermissionDenied: 'refused',
  OperationConflict: 'busy',
  InvalidInput: 'invalid',
  NoWorkerAnswering: 'no worker',
  OperationFinished: 'finished',
  MfaRequired: 'refused',
};

/**
 * The one reading of an error for people, shared by the terminal and Slack: a known refusal or condition gets its
 * label and message (an answer, not a crash); anything else is undefined (a failure to report as such).
 */
export function refusalOf(e: unknown): RefusalWords | undefined {
  if (!(e instanceof Error)) return undefined;
  const label = LABELS[e.name];
  return label ? { label, message: e.message } : undefined;
}
