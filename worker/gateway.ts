import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { GetCallerIdentityResult } from '../activities/access/identity';
import { resolveApprovers } from '../core/approval';
import type { AuditLog, AuditRecord } from '../core/audit';
import type { AppConfig } from '../core/config';
import type { EnvironmentName } from '../core/environments';
import { InvalidInput, OperationConflict, PermissionDenied } from '../core/errors';
import type { Diagnosis } from '../core/llm/diagnose';
import type { InterpretResult } from '../core/llm/interpretation';
import { diagnosisFacts, offlineAuditEntry, permissionsOf, proposalContext } from '../core/llm/requests';
import { interpretOffline } from '../core/llm/route';
import type { OperationState } from '../core/operations';
import type { Requester } from '../core/requester';
import type { ValidationReport } from '../core/validation';
import { kubeFacts, kubeReadRequest } from '../core/commands/kube-reads';
import type { KubeReadCommand } from '../core/commands/types';
import type { KubeReadInput, KubeReadResult } from '../workflows/read-only';
import type { LogExportDestination } from '../core/k8s/log-export';
import {
  blueGreenRolloutWorkflow,
  deleteStackWorkflow,
  deployStackWorkflow,
  describeStackWorkflow,
  helmReleaseWorkflow,
  diagnoseWorkflow,
  kubernetesReadWorkflow,
  interpretRequestWorkflow,
  rollbackWorkflow,
  validateTemplatesWorkflow,
  whoamiWorkflow,
} from '../workflows';
import type { HelmReleaseInput, OperationBaseInput, RolloutInput, StackOperationInput } from '../workflows/definitions';
import type { HelmWriteRequest } from '../core/k8s/request';
import {
  abortUpdate,
  approveUpdate,
  cancelUpdate,
  pauseUpdate,
  rejectUpdate,
  resumeUpdate,
  stateQuery,
} from '../workflows/definitions';

/** A query found no worker to answer it; the operation itself is safe in Temporal. */
export class NoWorkerAnswering extends Error {
  override readonly name = 'NoWorkerAnswering';
}

/** A started (or re-found) operation. `duplicate` means this very request had already started it. */
export interface StartedOperation {
  readonly operationId: string;
  readonly duplicate: boolean;
  readonly url?: string;
}

/** One line of `list`. */
export interface OperationSummary {
  readonly operationId: string;
  readonly kind: string;
  readonly status: string;
  readonly requester: string;
  readonly startedAt: string;
}

export interface GatewayProps {
  readonly client: Client;
  readonly config: AppConfig;
  readonly audit: AuditLog;
  /** The git commit stamped on stacks as IaC_Version; deploys refuse when unknown. */
  readonly iacVersion: string | undefined;
  /** Test knobs passed into stack operations (short polls, short timeouts). */
  readonly tuning?: StackOperationInput['tuning'];
  /** Test knobs passed into rollouts (short readiness polls). */
  readonly rolloutTuning?: RolloutInput['tuning'];
}

/**
 * The client-side gateway: the only way front ends (terminal, Slack) reach workflows. It turns typed
 * commands into workflow starts, updates and queries, and records refused attempts in the audit trail
 * (Temporal keeps no trace of updates its validators reject).
 */
export class Gateway {
  private readonly client: Client;
  private readonly config: AppConfig;

  constructor(private readonly props: GatewayProps) {
    this.client = props.client;
    this.config = props.config;
  }

  get temporalUiUrl(): string | undefined {
    return this.config.temporal.uiUrl;
  }

  get stackNames(): string[] {
    return Object.keys(this.config.stacks);
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

  /** The CloudFormation stack name for a catalog stack in an environment. */
  stackName(stack: string, env: EnvironmentName): string {
    return `infra-agent-${env}-${stack}`;
  }

  /** Builds the recorded input of a stack operation from config: approvers, parameters and tags resolved now. */
  stackInput(
    kind: 'deploy-stack' | 'delete-stack',
    stack: string,
    env: EnvironmentName,
    requester: Requester,
    notify?: StackOperationInput['notify'],
  ): StackOperationInput {
    const s = this.config.stacks[stack];
    if (!s)
      throw new InvalidInput(`stack: '${stack}' is not in the catalog; known stacks: ${this.stackNames.join(', ')}`);
    const e = this.config.environments[env];
    const iac = this.props.iacVersion;
    if (kind === 'deploy-stack' && !iac) {
      throw new InvalidInput(
        'cannot tell which git commit the templates come from (IaC_Version); deploy from a git checkout or set INFRA_AGENT_IAC_VERSION',
      );
    }
    const common = { Environment: env, ...e.stackParameters };
    return {
      operationId: `stack/${env}/${stack}`,
      environment: env,
      region: e.region,
      stack: { name: stack, stackName: this.stackName(stack, env), templatePath: s.template },
      parameters: { ...common, ...(iac ? { IaCVersion: iac } : {}) },
      tags: {
        Environment: env,
        Owner: e.stackParameters.Owner ?? 'unknown',
        SecurityLevel: e.stackParameters.SecurityLevel ?? 'unknown',
        IaC_Version: iac ?? 'unknown',
        'infra-agent:requested-by': requester.userId,
      },
      ...this.operationBase(env, requester, notify),
      ...(e.deployRoleArn ? { deployRoleArn: e.deployRoleArn } : {}),
      ...(this.props.tuning ? { tuning: this.props.tuning } : {}),
    };
  }

  /**
   * What every approvable operation records from config when it starts: who asked, the approval policy with
   * its approvers resolved now, change freezes, and where it reports (Slack requests name their conversation;
   * others, like the terminal, report into the environment's channel), plus the on-call channel.
   */
  private operationBase(
    env: EnvironmentName,
    requester: Requester,
    notify: StackOperationInput['notify'] | undefined,
  ): Pick<OperationBaseInput, 'requester' | 'approval' | 'changeFreezes' | 'notify'> {
    const e = this.config.environments[env];
    return {
      requester,
      approval: {
        required: e.approval.required,
        expirySeconds: e.approval.expirySeconds,
        mfa: e.approval.mfa,
        approvers: resolveApprovers(e.approval, this.config.users),
      },
      changeFreezes: e.changeFreezes,
      ...notifyTarget(
        notify ?? (this.config.slack && e.slack.channel ? { channel: e.slack.channel } : undefined),
        e.slack.alertsChannel,
      ),
    };
  }

  /**
   * Starts a deploy or delete. The workflow id is the lock: a second request for the same stack and
   * environment gets the existing operation if it is the same request (a duplicate delivery), or a
   * conflict naming who holds the lock.
   */
  async startStackOperation(
    kind: 'deploy-stack' | 'delete-stack',
    stack: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: StackOperationInput['notify'] } = {},
  ): Promise<StartedOperation> {
    if (!this.config.users[requester.userId]) {
      // Unknown people may read, never change: a write needs an identity approvals and the audit can name.
      throw new PermissionDenied(
        `${requester.displayName} is not a known user, so ${kind} is refused (read-only commands still work). ` +
          'Use a configured identity (--as <user> or INFRA_AGENT_USER in the terminal) or ask to be added under users: in the config.',
      );
    }
    const input = this.stackInput(kind, stack, env, requester, opts.notify);
    try {
      await this.client.workflow.start(kind === 'deploy-stack' ? deployStackWorkflow : deleteStackWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: input.operationId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: [input],
        memo: { requester },
        searchAttributes: {
          InfraEnvironment: [env],
          InfraRequester: [requester.userId],
          InfraTarget: [input.stack.stackName],
          InfraKind: [kind],
        },
      });
      return { operationId: input.operationId, duplicate: false, ...this.urlOf(input.operationId) };
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      const desc = await this.client.workflow.getHandle(input.operationId).describe();
      const holder = (desc.memo?.requester ?? {}) as Partial<Requester>;
      if (holder.requestId === requester.requestId)
        return { operationId: input.operationId, duplicate: true, ...this.urlOf(input.operationId) };
      throw new OperationConflict(
        `${input.operationId} is busy: ${holder.displayName ?? holder.userId ?? 'someone'} started an operation on it at ${desc.startTime.toISOString()} ` +
          `(status: ${desc.status.name}). Wait for it, or see: status ${input.operationId}`,
      );
    }
  }

  private urlOf(id: string): { url?: string } {
    const url = this.operationUrl(id);
    return url ? { url } : {};
  }

  private handle(operationId: string): WorkflowHandle {
    return this.client.workflow.getHandle(operationId);
  }

  /** The operation's current (or final) state. */
  async state(operationId: string): Promise<OperationState> {
    try {
      return await this.handle(operationId).query(stateQuery);
    } catch (e) {
      if ((e as Error).name === 'WorkflowNotFoundError')
        throw new InvalidInput(`no operation ${operationId} (see list)`);
      // gRPC DEADLINE_EXCEEDED on a query: the server found no worker to answer it.
      if ((e as { cause?: { code?: unknown } }).cause?.code === 4) {
        throw new NoWorkerAnswering(
          `${operationId} is recorded, but no worker answered on task queue '${this.config.temporal.taskQueue}'. ` +
            'Is a worker running? Start one with: infra-agent worker (npm start runs one). Nothing is lost: the ' +
            'operation continues when a worker is back.',
        );
      }
      throw e;
    }
  }

  /** Waits for the operation's result. */
  async result(operationId: string): Promise<OperationState> {
    return (await this.handle(operationId).result()) as OperationState;
  }

  /**
   * Approves the change the operation awaits. `artifactId` is what the approver saw; when left out, the
   * currently pending one is taken (the terminal shows it first). Refusals are audited, then thrown.
   */
  async approve(
    operationId: string,
    approver: Requester,
    opts: { artifactId?: string; mfaVerified?: boolean } = {},
  ): Promise<OperationState> {
    const state = await this.state(operationId);
    const artifactId = opts.artifactId ?? state.preview?.artifactId ?? '';
    try {
      return await this.handle(operationId).executeUpdate(approveUpdate, {
        args: [{ approver: approver.userId, artifactId, via: approver.via, mfaVerified: opts.mfaVerified ?? false }],
      });
    } catch (e) {
      throw await this.refused(e, 'approval-refused', operationId, state, approver, { artifactId });
    }
  }

  async reject(operationId: string, by: Requester, reason: string): Promise<OperationState> {
    const state = await this.state(operationId);
    try {
      return await this.handle(operationId).executeUpdate(rejectUpdate, {
        args: [{ by: by.userId, reason, via: by.via }],
      });
    } catch (e) {
      throw await this.refused(e, 'rejection-refused', operationId, state, by, { reason });
    }
  }

  async cancel(operationId: string, by: Requester): Promise<OperationState> {
    const state = await this.state(operationId);
    try {
      return await this.handle(operationId).executeUpdate(cancelUpdate, { args: [{ by: by.userId }] });
    } catch (e) {
      throw await this.refused(e, 'approval-refused', operationId, state, by, { attempted: 'cancel' });
    }
  }

  /** Services people may roll out, by name. */
  get serviceNames(): string[] {
    return Object.keys(this.config.services);
  }

  /** The recorded input of a rollout or rollback: service, policy, traffic and approvers resolved from config now. */
  rolloutInput(
    kind: 'rollout' | 'rollback',
    service: string,
    env: EnvironmentName,
    requester: Requester,
    version: string | undefined,
    notify?: StackOperationInput['notify'],
  ): RolloutInput {
    const s = this.config.services[service];
    if (!s) {
      throw new InvalidInput(
        `service: '${service}' is not in the catalog; known services: ${this.serviceNames.join(', ') || 'none (add services: to the config)'}`,
      );
    }
    const e = this.config.environments[env];
    if (!e.cluster) {
      throw new InvalidInput(
        `environment: ${env} has no cluster; add environments.${env}.cluster (name, kubeContext) to the config`,
      );
    }
    return {
      kind,
      operationId: `rollout/${env}/${service}`,
      environment: env,
      region: e.region,
      target: { environment: env, service, namespace: `${s.namespace}${e.cluster.namespaceSuffix}` },
      service: { name: service, image: s.image, port: s.port, replicas: s.replicas },
      ...(version ? { version } : {}),
      policy: s.rollout,
      traffic: e.cluster.traffic,
      ...(e.deployRoleArn
        ? { deployRoleArn: e.deployRoleArn, grantSeconds: Math.max(7200, 2 * s.rollout.timeBudgetSeconds) }
        : {}),
      ...this.operationBase(env, requester, notify),
      ...(this.props.rolloutTuning ? { tuning: this.props.rolloutTuning } : {}),
    };
  }

  /**
   * Starts a blue/green rollout of `service` at `version` (the image tag) in `env`. Workflow id
   * `rollout/<env>/<service>`: one rollout or rollback per service and environment at a time.
   */
  async startRollout(
    service: string,
    version: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: StackOperationInput['notify'] } = {},
  ): Promise<StartedOperation> {
    this.refuseUnknown(requester, 'rollout');
    return this.startLocked(this.rolloutInput('rollout', service, env, requester, version, opts.notify));
  }

  /** Sends traffic back to the colour that held it before the last rollout (its own workflow, with approval). */
  async startRollback(
    service: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: StackOperationInput['notify'] } = {},
  ): Promise<StartedOperation> {
    this.refuseUnknown(requester, 'rollback');
    return this.startLocked(this.rolloutInput('rollback', service, env, requester, undefined, opts.notify));
  }

  private refuseUnknown(requester: Requester, what: string): void {
    if (!this.config.users[requester.userId]) {
      // Unknown people may read, never change: a write needs an identity approvals and the audit can name.
      throw new PermissionDenied(
        `${requester.displayName} is not a known user, so ${what} is refused (read-only commands still work). ` +
          'Use a configured identity (--as <user> or INFRA_AGENT_USER in the terminal) or ask to be added under users: in the config.',
      );
    }
  }

  /** Starts a rollout/rollback; the workflow id is the lock shared by both. */
  private startLocked(input: RolloutInput): Promise<StartedOperation> {
    return this.startExclusive(
      input.kind === 'rollout' ? blueGreenRolloutWorkflow : rollbackWorkflow,
      input,
      `${input.target.namespace}/${input.service.name}`,
      input.kind,
    );
  }

  /**
   * Starts an operation whose workflow id is its lock: the same request again is a duplicate; anyone else's is
   * told who holds the lock since when, and how to follow (or stop) it.
   */
  private async startExclusive<I extends { operationId: string; environment: EnvironmentName; requester: Requester }>(
    workflow: (input: I) => Promise<OperationState>,
    input: I,
    target: string,
    kind: string,
  ): Promise<StartedOperation> {
    try {
      await this.client.workflow.start(workflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: input.operationId,
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: [input],
        memo: { requester: input.requester },
        searchAttributes: {
          InfraEnvironment: [input.environment],
          InfraRequester: [input.requester.userId],
          InfraTarget: [target],
          InfraKind: [kind],
        },
      });
      return { operationId: input.operationId, duplicate: false, ...this.urlOf(input.operationId) };
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      const desc = await this.client.workflow.getHandle(input.operationId).describe();
      const holder = (desc.memo?.requester ?? {}) as Partial<Requester>;
      if (holder.requestId === input.requester.requestId)
        return { operationId: input.operationId, duplicate: true, ...this.urlOf(input.operationId) };
      const what =
        desc.type === 'rollbackWorkflow'
          ? 'a rollback'
          : desc.type === 'blueGreenRolloutWorkflow'
            ? 'a rollout'
            : 'a change';
      throw new OperationConflict(
        `${target.split('/').pop() ?? target} in ${input.environment} is busy: ${holder.displayName ?? holder.userId ?? 'someone'} started ${what} at ${desc.startTime.toISOString()}. ` +
          `One change at a time per ${input.operationId.startsWith('helm/') ? 'release' : 'service'} and environment: follow it with \`status ${input.operationId}\`` +
          (desc.type === 'blueGreenRolloutWorkflow' ? `, or stop it with \`abort ${input.operationId}\`` : ''),
      );
    }
  }

  /** Helm releases people may change, by name. */
  get releaseNames(): string[] {
    return Object.keys(this.config.releases);
  }

  /**
   * Starts a Helm install, upgrade or rollback of a catalog release after approval. Workflow id
   * `helm/<env>/<release>`: one change per release and environment at a time.
   */
  async startHelmRelease(
    kind: 'helm-install' | 'helm-upgrade' | 'helm-rollback',
    release: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { revision?: number; notify?: StackOperationInput['notify'] } = {},
  ): Promise<StartedOperation> {
    this.refuseUnknown(requester, kind.replace('-', ' '));
    const rel = this.config.releases[release];
    if (!rel) {
      throw new InvalidInput(
        `release: '${release}' is not in the catalog; known releases: ${this.releaseNames.join(', ') || 'none (add releases: to the config)'}`,
      );
    }
    const e = this.config.environments[env];
    if (!e.cluster) {
      throw new InvalidInput(`environment: ${env} has no cluster; add environments.${env}.cluster to the config`);
    }
    const namespace = `${rel.namespace}${e.cluster.namespaceSuffix}`;
    let request: HelmWriteRequest;
    if (kind === 'helm-rollback') {
      if (!opts.revision) throw new InvalidInput('revision: say which revision to roll back to (see helm history)');
      request = { kind, namespace, release, revision: opts.revision };
    } else {
      request = {
        kind,
        namespace,
        release,
        chart: rel.chart,
        ...(rel.version ? { version: rel.version } : {}),
        ...(rel.values ? { values: rel.values } : {}),
        // Wait for the release's workloads, so the outcome says whether it runs; an install creates its namespace.
        flags: [...(kind === 'helm-install' ? ['--create-namespace'] : []), '--wait', '--timeout', '300s'],
      };
    }
    const input: HelmReleaseInput = {
      operationId: `helm/${env}/${release}`,
      environment: env,
      region: e.region,
      request,
      ...this.operationBase(env, requester, opts.notify),
    };
    return this.startExclusive(helmReleaseWorkflow, input, `${namespace}/${release}`, kind);
  }

  /** Pause, resume or abort a running rollout (abort sends all traffic back to the old colour). Refusals are audited. */
  async controlRollout(
    operationId: string,
    action: 'pause' | 'resume' | 'abort',
    by: Requester,
  ): Promise<OperationState> {
    const state = await this.state(operationId);
    if (state.kind !== 'rollout') {
      throw new InvalidInput(`${operationId} is a ${state.kind}, not a rollout: ${action} applies to rollouts only`);
    }
    const update = action === 'pause' ? pauseUpdate : action === 'resume' ? resumeUpdate : abortUpdate;
    try {
      return await this.handle(operationId).executeUpdate(update, { args: [{ by: by.userId, via: by.via }] });
    } catch (e) {
      throw await this.refused(e, 'approval-refused', operationId, state, by, { attempted: action });
    }
  }

  private async refused(
    e: unknown,
    action: 'approval-refused' | 'rejection-refused',
    operationId: string,
    state: OperationState,
    who: Requester,
    details: Record<string, unknown>,
  ): Promise<Error> {
    const reason = e instanceof WorkflowUpdateFailedError ? (e.cause?.message ?? e.message) : (e as Error).message;
    await this.props.audit.append({
      key: `${operationId}|refused|${who.requestId}|${action}`,
      action,
      actor: who.userId,
      operationId,
      environment: state.environment,
      target: state.target,
      details: { ...details, reason, via: who.via },
    });
    return e instanceof WorkflowUpdateFailedError ? new PermissionDenied(reason) : (e as Error);
  }

  /** Running operations, then the most recently finished ones. */
  async list(limit = 20): Promise<OperationSummary[]> {
    const out: OperationSummary[] = [];
    for await (const w of this.client.workflow.list({
      // Only this deployment's operations: another infra-agent (or a test) sharing the namespace uses its own task
      // queue, and querying its workflows would wait for workers that are not ours.
      query:
        `WorkflowType IN ("deployStackWorkflow","deleteStackWorkflow","blueGreenRolloutWorkflow","rollbackWorkflow","helmReleaseWorkflow")` +
        ` AND TaskQueue = ${JSON.stringify(this.config.temporal.taskQueue)}`,
    })) {
      const r = (w.memo?.requester ?? {}) as Partial<Requester>;
      out.push({
        operationId: w.workflowId,
        kind: w.type,
        status: w.status.name,
        requester: r.userId ?? '?',
        startedAt: w.startTime.toISOString(),
      });
      if (out.length >= limit * 3) break;
    }
    const running = out.filter((o) => o.status === 'RUNNING');
    const closed = out.filter((o) => o.status !== 'RUNNING').slice(0, Math.max(0, limit - running.length));
    return [...running, ...closed];
  }

  async audit(n: number): Promise<AuditRecord[]> {
    return this.props.audit.tail(n);
  }

  async stackStatus(stack: string, env: EnvironmentName, requester: Requester) {
    if (!this.config.stacks[stack])
      throw new InvalidInput(`stack: '${stack}' is not in the catalog; known stacks: ${this.stackNames.join(', ')}`);
    return this.client.workflow.execute(describeStackWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: `describe/${env}/${stack}/${requester.requestId}`,
      args: [{ region: this.config.environments[env].region, stackName: this.stackName(stack, env) }],
      workflowExecutionTimeout: '2m',
    });
  }

  /** Validates a catalog stack's template or a path under the infra folder. */
  async validate(pathOrStack: string, requester: Requester): Promise<ValidationReport> {
    const file = this.config.stacks[pathOrStack]?.template ?? pathOrStack.replace(/^infra\//, '');
    return this.client.workflow.execute(validateTemplatesWorkflow, {
      taskQueue: this.config.temporal.taskQueue,
      workflowId: `validate/${requester.requestId}`,
      args: [{ files: [file] }],
      workflowExecutionTimeout: '10m',
    });
  }

  /**
   * A Kubernetes read (pods, deployments, events, logs, rollout status, describe of a catalog service; helm history
   * and diff of a catalog release) in the environment's cluster, in the namespace the catalog gives it plus the
   * cluster's namespaceSuffix.
   */
  async kubernetesRead(
    command: KubeReadCommand,
    requester: Requester,
    options: {
      /** Pod logs: where the full log goes when chat shows only its last lines (a DM, or a file on the worker). */
      readonly exportLogTo?: LogExportDestination;
    } = {},
  ): Promise<{ environment: EnvironmentName; namespace: string; result: KubeReadResult }> {
    const read = kubeReadRequest(command, kubeFacts(this.config));
    const input: KubeReadInput =
      options.exportLogTo && command.name === 'pod-logs'
        ? { ...read, exportLog: { destination: options.exportLogTo, actor: requester.userId } }
        : read;
    try {
      const result = await this.client.workflow.execute(kubernetesReadWorkflow, {
        taskQueue: this.config.temporal.taskQueue,
        workflowId: `kube-read/${command.env}/${command.name}/${requester.requestId}`,
        args: [input],
        workflowExecutionTimeout: '2m',
      });
      return { environment: read.environment, namespace: read.request.namespace, result };
    } catch (e) {
      // The agent's refusals and kubectl's own answers ("pods … not found") are answers: pass their message on.
      let root: unknown = e;
      while (root instanceof Error && root.cause instanceof Error) root = root.cause;
      if (!(e instanceof WorkflowFailedError) || !(root instanceof ApplicationFailure)) throw e;
      if (root.type === 'PermissionDenied') throw new PermissionDenied(root.message);
      if (root.type === 'InvalidInput' || root.type === 'ToolMissing') throw new InvalidInput(root.message);
      throw new Error(`reading ${read.request.namespace} in ${read.environment} failed: ${root.message}`);
    }
  }
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
    const offline = interpretOffline(text, ctx);
    const llm = this.config.llm;
    if (!llm || offline.source !== 'near-miss') {
      const r: InterpretResult = { ...offline.interpretation, id, source: offline.source };
      if (r.source !== 'grammar') await this.props.audit.append(offlineAuditEntry(text, r, requester));
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
          stacks: this.stackNames,
          modelId: llm.modelId,
          inference: { maxTokens: llm.maxTokens, temperature: llm.temperature },
          policy: { timeoutMs: llm.timeoutMs, maxAttempts: llm.maxAttempts, backoffMs: llm.backoffMs },
          budgets: llm.diagnose,
          ...diagnosisFacts(this.config, (s, e) => this.stackName(s, e)),
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
    const record = await this.props.audit.append({
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

/** The thread target, plus the environment's on-call channel for failures. */
function notifyTarget(
  target: StackOperationInput['notify'],
  alertsChannel: string | undefined,
): { notify?: StackOperationInput['notify'] } {
  if (!target) return {};
  return { notify: { ...target, ...(alertsChannel && !target.alertsChannel ? { alertsChannel } : {}) } };
}
