import type { Client } from '@temporalio/client';
import type { AuditLog } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import { OperationConflict } from '../../core/errors';
import type { Diagnosis } from '../../core/llm/diagnose';
import type { InterpretResult } from '../../core/llm/interpretation';
import { diagnosisFacts, offlineAuditEntry, permissionsOf, proposalContext } from '../../core/llm/requests';
import { interpretOffline } from '../../core/llm/route';
import { isTooLong, tooLongText } from '../../core/limits';
import type { Requester } from '../../core/requester';
import { diagnoseWorkflow, interpretRequestWorkflow } from '../../workflows';
import { stackNameOf } from './inputs';

/**
 * The language front door on the client side: free text to proposed commands (the grammar and the refusal guard
 * first, then the model when configured, else the near-miss matcher), questions to a bounded read-only
 * diagnosis, and the person's decision on a proposal. It only proposes: a proposal runs when a person chooses Run,
 * as the very line they could have typed, through the dispatcher like typed text.
 */
export class Language {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  /** True when a language model is configured: free text then goes to `interpret`, questions to `diagnose`. */
  get languageModel(): boolean {
    return this.config.llm !== undefined;
  }

  /**
   * Free text to proposed commands (language front door). Read-only: it only proposes. The grammar and the
   * refusal guard answer first; then the model when configured, else the deterministic near-miss matcher.
   * Front ends show each proposal's `line` ("I understood: `deploy stack vpc to dev`") with Run / Edit /
   * Cancel, and on Run parse that line and dispatch it like typed text, so writes get preview + approval.
   */
  async interpret(text: string, requester: Requester): Promise<InterpretResult> {
    const ctx = proposalContext(this.config, requester);
    const id = `interpret/${requester.requestId}`;
    // Text over the bound is not read at all: matching and the model's work grow with it, and one person's flood
    // must not hold up everyone else's requests. The audit record keeps only its size and digest (bounded there).
    if (isTooLong(text)) {
      const r: InterpretResult = { kind: 'refuse', reason: tooLongText(text.length), id, source: 'guard' };
      await this.audit.append(offlineAuditEntry(text, r, requester));
      return r;
    }
    const offline = interpretOffline(text, ctx);
    const llm = this.config.llm;
    if (!llm || offline.source !== 'near-miss') {
      const r: InterpretResult = { ...offline.interpretation, id, source: offline.source };
      if (r.source !== 'grammar') await this.audit.append(offlineAuditEntry(text, r, requester));
      return r;
    }
    return this.client.workflow.execute(interpretRequestWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: id,
      args: [
        {
          id,
          text,
          requester,
          context: ctx,
          modelId: llm.modelId,
          inference: { maxTokens: llm.maxTokens, temperature: llm.temperature },
          policy: { timeoutMs: llm.timeoutMs, maxAttempts: llm.maxAttempts, backoffMs: llm.backoffMs },
        },
      ],
      workflowExecutionTimeout: '10m',
    });
  }

  /** Answers "why is … failing?" with a bounded, read-only investigation (needs a language model). */
  async diagnose(question: string, requester: Requester): Promise<Diagnosis> {
    const id = `diagnose/${requester.requestId}`;
    const llm = this.config.llm;
    if (!llm) {
      const summary =
        'diagnosis needs a language model (add an llm: section to the configuration); meanwhile try `list`, `audit` or `status stack <stack> <env>`.';
      const usage = { calls: 0, inputTokens: 0, outputTokens: 0, latencyMs: 0 };
      return { id, question, summary, evidence: [], refused: [], stoppedBy: 'model-error', usage };
    }
    return this.client.workflow.execute(diagnoseWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: id,
      args: [
        {
          id,
          question,
          requester,
          permissions: permissionsOf(this.config, requester),
          stacks: Object.keys(this.config.stacks),
          modelId: llm.modelId,
          inference: { maxTokens: llm.maxTokens, temperature: llm.temperature },
          policy: { timeoutMs: llm.timeoutMs, maxAttempts: llm.maxAttempts, backoffMs: llm.backoffMs },
          budgets: llm.diagnose,
          ...diagnosisFacts(this.config, stackNameOf),
        },
      ],
      workflowExecutionTimeout: '30m',
    });
  }

  /** Records what the person did with a proposal (Run or Cancel), next to the proposal in the audit trail. */
  async recordProposalDecision(
    interpretId: string,
    decision: 'accepted' | 'declined',
    lines: readonly string[],
    requester: Requester,
  ): Promise<void> {
    const action = decision === 'accepted' ? 'proposal-accepted' : 'proposal-declined';
    // One key per proposal whatever the decision: the audit log keeps the first append of a key, so the first
    // decision wins across processes too (a Cancel in one bot instance, then a Run in another, is refused).
    const record = await this.audit.append({
      key: `${interpretId}|proposal-decision|${lines.join(';')}`,
      action,
      actor: requester.userId,
      operationId: interpretId,
      environment: /\b(dev|tst|prd)\b/.exec(lines.join(' '))?.[1] ?? '-',
      target: lines.join(' ; '),
      details: { via: requester.via },
    });
    if (record.action !== action || record.actor !== requester.userId) {
      throw new OperationConflict(
        `${interpretId} was already ${record.action === 'proposal-accepted' ? 'run' : 'cancelled'} by ${record.actor} at ${record.at}; nothing was run`,
      );
    }
  }
}
