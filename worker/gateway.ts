import type { Client } from '@temporalio/client';
import type { GetCallerIdentityResult } from '../activities/access/identity';
import type { AppConfig } from '../core/config';
import type { EnvironmentName } from '../core/environments';
import type { Requester } from '../core/requester';
import { whoamiWorkflow } from '../workflows';

/**
 * The client-side gateway: the only way front ends (terminal, Slack) reach workflows. It turns typed
 * commands into workflow starts, updates and queries, and knows nothing about how a front end renders.
 */
export class Gateway {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
  ) {}

  get temporalUiUrl(): string | undefined {
    return this.config.temporal.uiUrl;
  }

  /** Link to one workflow in the Temporal Web UI, when a UI URL is configured. */
  operationUrl(workflowId: string): string | undefined {
    const ui = this.config.temporal.uiUrl;
    return ui
      ? `${ui}/namespaces/${this.config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`
      : undefined;
  }

  async whoami(env: EnvironmentName, requester: Requester): Promise<GetCallerIdentityResult> {
    const e = this.config.environments[env];
    return this.client.workflow.execute(whoamiWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: `whoami/${env}/${requester.requestId}`,
      args: [{ environment: env, region: e.region, requester }],
      workflowExecutionTimeout: '2m',
    });
  }
}
