import type { Client } from '@temporalio/client';
import type { AlertRecord, SnoozeFor } from '../../core/alerts/alert';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { alertDecisionWorkflow, listAlertsWorkflow } from '../../workflows';
import { fromReadFailure } from './temporal-errors';

/**
 * `alerts`, `acknowledge alert …`, `snooze alert …`: the alert state lives with the worker (its store, its Slack
 * client), so each is a short workflow on the task queue; the decision is audited there with who and why.
 */
export class Alerts {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
  ) {}

  list(who: Requester): Promise<AlertRecord[]> {
    return this.client.workflow
      .execute(listAlertsWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: `alerts/list/${who.requestId}`,
        args: [],
        workflowExecutionTimeout: '2m',
      })
      .catch((e: unknown) => {
        throw fromReadFailure(e, 'listing alerts');
      });
  }

  decide(
    key: string,
    decision: 'acknowledge' | 'snooze',
    reason: string,
    who: Requester,
    snooze?: SnoozeFor,
  ): Promise<AlertRecord> {
    return this.client.workflow
      .execute(alertDecisionWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        // One decision per request: a redelivered click or command finds the same workflow.
        workflowId: `alert/${key}/${decision}/${who.requestId}`,
        args: [{ key, decision, reason, requester: who, ...(snooze ? { snooze } : {}) }],
        workflowExecutionTimeout: '2m',
      })
      .catch((e: unknown) => {
        throw fromReadFailure(e, `${decision} of alert ${key}`);
      });
  }
}
