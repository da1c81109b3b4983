import { Context } from '@temporalio/activity';
import type { ModelPort } from '../../adapters/llm/bedrock-converse';
import { ModelRejected } from '../../core/llm/errors';
import type { ModelRequest, ModelResponse } from '../../core/llm/types';

export interface LlmDeps {
  /** Undefined when no `llm:` section is configured. */
  readonly model?: ModelPort;
}

export interface ConverseModelInput {
  readonly request: ModelRequest;
}

export function createConverseActivities(deps: LlmDeps) {
  return {
    /**
     * One Converse call. Side-effect free on our side (the model only proposes), so Temporal may retry it
     * freely; throttling and service errors are thrown as retryable types, refusals as non-retryable.
     */
    async converseModel(input: ConverseModelInput): Promise<ModelResponse> {
      if (!deps.model) throw new ModelRejected('no language model is configured (add an llm: section)');
      return deps.model.converse(input.request, Context.current().cancellationSignal);
    },
  };
}
