import type { ActivityOptions } from '@temporalio/workflow';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AuditEntry } from '../core/audit';
import { guardRefusal } from '../core/llm/guard';
import { interpretRequest, readInterpretResponse } from '../core/llm/interpret';
import type { InterpretResult, Interpretation } from '../core/llm/interpretation';
import { modelFailureText } from '../core/llm/errors';
import type { ProposalContext } from '../core/llm/proposal';
import { offlineSuggestions } from '../core/llm/route';
import type { InferenceSettings, ModelUsage } from '../core/llm/types';
import { NO_USAGE } from '../core/llm/types';
import type { Requester } from '../core/requester';
import { shortActivity } from './activity-options';

/** How model calls are retried: throttling and service errors back off exponentially; refusals do not retry. */
export interface ModelCallPolicy {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
}

/** Everything one interpretation needs, fixed at start (so it is recorded in history). */
export interface InterpretRequestInput {
  /** `interpret/<requestId>`: the workflow id and the audit trail's operation id. */
  readonly id: string;
  readonly text: string;
  readonly requester: Requester;
  readonly context: ProposalContext;
  readonly modelId: string;
  readonly inference: InferenceSettings;
  readonly policy: ModelCallPolicy;
}

/** Activity options of a model call, from the configured policy. */
export function modelActivityOptions(p: ModelCallPolicy): ActivityOptions {
  return {
    startToCloseTimeout: p.timeoutMs + 5_000,
    // The worker heartbeats running activities: a model call on a dead worker is retried in seconds.
    heartbeatTimeout: '20s',
    retry: {
      initialInterval: p.backoffMs,
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: p.maxAttempts,
      nonRetryableErrorTypes: ['ModelRejected'],
    },
  };
}

/** The failure type behind a failed model activity (`ModelThrottled`, `ModelTimeout`, …). */
export function modelFailureType(e: unknown): string | undefined {
  const cause = e instanceof ActivityFailure ? e.cause : e;
  if (cause instanceof ApplicationFailure) return cause.type ?? undefined;
  if (cause instanceof TimeoutFailure) return 'ModelTimeout';
  return undefined;
}

const { recordAudit } = proxyActivities<Activities>(shortActivity);

/**
 * Free text to proposed typed commands. Read-only by construction: the model's answer is only judged
 * (grammar, permissions) and returned; nothing here starts or changes an operation.
 */
export async function interpretRequestWorkflow(input: InterpretRequestInput): Promise<InterpretResult> {
  const { converseModel } = proxyActivities<Activities>(modelActivityOptions(input.policy));
  const refusal = guardRefusal(input.text);
  let interpretation: Interpretation;
  let usage: ModelUsage = NO_USAGE;
  let failure: string | undefined;
  if (refusal) {
    interpretation = { kind: 'refuse', reason: refusal };
  } else {
    try {
      const response = await converseModel({ request: interpretRequest(input.text, input.context, input.inference) });
      usage = response.usage;
      interpretation = readInterpretResponse(input.text, response, input.context);
    } catch (e) {
      failure = modelFailureType(e) ?? 'ModelUnavailable';
      interpretation = {
        kind: 'unavailable',
        reason: modelFailureText(failure, input.policy.maxAttempts),
        suggestions: offlineSuggestions(input.text, input.context),
      };
    }
  }
  await recordAudit(auditEntry(input, interpretation, usage, failure));
  return { ...interpretation, id: input.id, source: 'model', usage };
}

function auditEntry(input: InterpretRequestInput, i: Interpretation, usage: ModelUsage, failure?: string): AuditEntry {
  const action = failure ? 'model-failed' : i.kind === 'refuse' ? 'proposal-refused' : 'proposed';
  const lines = i.kind === 'proposals' ? i.proposals.map((p) => p.line) : [];
  const refused = i.kind === 'proposals' || i.kind === 'refuse' ? (i.refused ?? []) : [];
  const env = i.kind === 'proposals' ? /\b(dev|tst|prd)\b/.exec(lines.join(' '))?.[1] : undefined;
  return {
    key: `${input.id}|${action}`,
    action,
    actor: input.requester.userId,
    operationId: input.id,
    environment: env ?? '-',
    target: lines.join(' ; ') || i.kind,
    details: {
      via: input.requester.via,
      text: input.text.slice(0, 300),
      kind: i.kind,
      source: 'model',
      modelId: input.modelId,
      ...(i.kind === 'refuse' ? { reason: i.reason } : {}),
      ...(refused.length ? { refused: refused.map((r) => `${r.tool}: ${r.reason}`) } : {}),
      ...(failure ? { failure } : {}),
      usage,
    },
  };
}
