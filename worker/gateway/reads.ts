import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { AuditLog, AuditRecord } from '../../core/audit';
import { kubeFacts, kubeReadRequest } from '../../core/commands/kube-reads';
import type { CallerIdentity, KubeReadAnswer, StackStatus } from '../../core/commands/results';
import type { KubeReadCommand } from '../../core/commands/types';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput } from '../../core/errors';
import type { LogExportDestination } from '../../core/k8s/log-export';
import type { Requester } from '../../core/requester';
import type { ValidationReport } from '../../core/validation';
import {
  describeStackWorkflow,
  kubernetesReadWorkflow,
  validateTemplatesWorkflow,
  whoamiWorkflow,
} from '../../workflows';
import type { KubeReadInput } from '../../workflows/read-only';
import { stackNameOf } from './inputs';
import { fromReadFailure } from './temporal-errors';

/**
 * Reads: each runs one short read-only workflow on the deployment's task queue (the front ends never call AWS or
 * Kubernetes themselves), or reads the audit trail. Failures come back in the product's words.
 */
export class Reads {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private run<A extends unknown[], R>(
    workflow: (...args: A) => Promise<R>,
    workflowId: string,
    args: A,
    timeout: Duration,
    what: string,
  ): Promise<R> {
    return this.client.workflow
      .execute(workflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId,
        args,
        workflowExecutionTimeout: timeout,
      })
      .catch((e: unknown) => {
        throw fromReadFailure(e, what);
      });
  }

  async whoami(env: EnvironmentName, requester: Requester): Promise<CallerIdentity> {
    const e = this.config.environments[env];
    return this.run(
      whoamiWorkflow,
      `whoami/${env}/${requester.requestId}`,
      [{ environment: env, region: e.region, requester }],
      '2m',
      `whoami in ${env}`,
    );
  }

  async stackStatus(stack: string, env: EnvironmentName, requester: Requester): Promise<StackStatus> {
    if (!this.config.stacks[stack]) {
      throw new InvalidInput(
        `stack: '${stack}' is not in the catalog; known stacks: ${Object.keys(this.config.stacks).join(', ')}`,
      );
    }
    return this.run(
      describeStackWorkflow,
      `describe/${env}/${stack}/${requester.requestId}`,
      [{ region: this.config.environments[env].region, stackName: stackNameOf(stack, env) }],
      '2m',
      `status of ${stack} in ${env}`,
    );
  }

  /** Validates a catalog stack's template or a path under the infra folder. */
  async validate(pathOrStack: string, requester: Requester): Promise<ValidationReport> {
    const file = this.config.stacks[pathOrStack]?.template ?? pathOrStack.replace(/^infra\//, '');
    return this.run(
      validateTemplatesWorkflow,
      `validate/${requester.requestId}`,
      [{ files: [file] }],
      '10m',
      `validating ${file}`,
    );
  }

  /**
   * A Kubernetes read (pods, deployments, events, logs, rollout status, describe of a catalog service; helm history
   * and diff of a catalog release) in the environment's cluster, in the namespace the catalog gives it plus the
   * cluster's namespaceSuffix. `exportLogTo`: where a pod log longer than chat shows goes in full.
   */
  async kubernetes(
    command: KubeReadCommand,
    requester: Requester,
    options: { readonly exportLogTo?: LogExportDestination } = {},
  ): Promise<KubeReadAnswer> {
    const read = kubeReadRequest(command, kubeFacts(this.config));
    const input: KubeReadInput =
      options.exportLogTo && command.name === 'pod-logs'
        ? { ...read, exportLog: { destination: options.exportLogTo, actor: requester.userId } }
        : read;
    const result = await this.run(
      kubernetesReadWorkflow,
      `kube-read/${command.env}/${command.name}/${requester.requestId}`,
      [input],
      '2m',
      `reading ${read.request.namespace} in ${read.environment}`,
    );
    return { environment: read.environment, namespace: read.request.namespace, result };
  }

  async auditTail(n: number): Promise<AuditRecord[]> {
    return this.audit.tail(n);
  }
}
