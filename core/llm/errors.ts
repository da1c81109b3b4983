/**
 * Failure types of a model call. As with core/errors.ts, each class name equals its type, which is what
 * Temporal reports and what retry policies and workflows match on.
 */

/** The model service is throttling us (Bedrock ThrottlingException, 429): worth retrying with backoff. */
export class ModelThrottled extends Error {
  override readonly name = 'ModelThrottled';
}
/** The call took longer than its timeout. */
export class ModelTimeout extends Error {
  override readonly name = 'ModelTimeout';
}
/** The service failed or answered something unreadable (5xx, broken response): worth a retry. */
export class ModelUnavailable extends Error {
  override readonly name = 'ModelUnavailable';
}
/** The service refused the request itself (validation, access denied, unknown model): retrying cannot help. */
export class ModelRejected extends Error {
  override readonly name = 'ModelRejected';
}

export const MODEL_ERROR_TYPES = ['ModelThrottled', 'ModelTimeout', 'ModelUnavailable', 'ModelRejected'] as const;
export type ModelErrorType = (typeof MODEL_ERROR_TYPES)[number];

/** What the person is told when the model could not answer; every failure ends in one of these. */
export function modelFailureText(type: string | undefined, attempts: number): string {
  switch (type) {
    case 'ModelThrottled':
      return `the language model is busy (throttled); I backed off and tried ${attempts} time(s). Try again in a minute, or type the command directly (see help).`;
    case 'ModelTimeout':
      return 'the language model did not answer in time. Try again, or type the command directly (see help).';
    case 'ModelRejected':
      return 'the language model refused the request (check llm.modelId, region and access). Type the command directly (see help).';
    default:
      return 'the language model failed to answer. Try again, or type the command directly (see help).';
  }
}
