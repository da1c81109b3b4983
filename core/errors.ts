/**
 * The error vocabulary shared by activities and workflows. Temporal reports a thrown error's class name as
 * its failure type, so each type has one tiny class of the same name, and retry policies refer to the names.
 */
export const ErrorTypes = [
  'InvalidInput',
  'ValidationFailed',
  'PermissionDenied',
  'ToolMissing',
  'StackNotFound',
  'ChangeSetFailed',
  'StackOperationFailed',
  'ChangeFreezeActive',
  'OperationConflict',
  'TransientFailure',
] as const;
export type ErrorType = (typeof ErrorTypes)[number];

/** Errors that retrying cannot fix: activity options list these as non-retryable. */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  'InvalidInput',
  'ValidationFailed',
  'PermissionDenied',
  'ToolMissing',
  'StackNotFound',
  'ChangeSetFailed',
  'StackOperationFailed',
  'ChangeFreezeActive',
  'OperationConflict',
];

/** Bad input from a person: the message says which field, what was wrong, what to do. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput';
}
/** Templates failed validation (cfn-lint, cfn-guard, mandatory tags). */
export class ValidationFailed extends Error {
  override readonly name = 'ValidationFailed';
}
/** The caller may not do this (not an approver, requester approving their own change, unknown user). */
export class PermissionDenied extends Error {
  override readonly name = 'PermissionDenied';
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
/** A stack ended in a failed or rolled-back state. */
export class StackOperationFailed extends Error {
  override readonly name = 'StackOperationFailed';
}
export class ChangeFreezeActive extends Error {
  override readonly name = 'ChangeFreezeActive';
}
/** Another operation holds the target. */
export class OperationConflict extends Error {
  override readonly name = 'OperationConflict';
}
/** Worth retrying: throttling, timeouts, 5xx. */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
}
