import type { Client } from '@temporalio/client';
import type { AuditLog, AuditRecord } from '../../core/audit';
import { parseCommand } from '../../core/commands/parse';
import type { ParseResult } from '../../core/commands/parse';
import type {
  CallerIdentity,
  CommandResult,
  KubeReadAnswer,
  OperationSummary,
  StackStatus,
  StartedOperation,
} from '../../core/commands/results';
import type { Command, KubeReadCommand } from '../../core/commands/types';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import type { LogExportDestination } from '../../core/k8s/log-export';
import type { Diagnosis } from '../../core/llm/diagnose';
import type { InterpretResult } from '../../core/llm/interpretation';
import { isTooLong, tooLongText } from '../../core/limits';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import type { ValidationReport } from '../../core/validation';
import type { NotifyTarget, RolloutInput, StackOperationInput } from '../../workflows/definitions';
import type { IacVersionResult } from '../iac-version';
import { Dispatcher } from './dispatch';
import type { ExecuteOptions } from './dispatch';
import { stackInput, stackNameOf } from './inputs';
import { Language } from './language';
import { WorkerLiveness } from './liveness';
import { Operations } from './operations';
import { Reads } from './reads';
import { Alerts } from './alerts';
import { Schedules } from './schedules';

export type { ExecuteOptions, StepUp } from './dispatch';
export type { OperationSummary, StartedOperation } from '../../core/commands/results';
export { NoWorkerAnswering } from '../../core/errors';

export interface GatewayProps {
  readonly client: Client;
  readonly config: AppConfig;
  readonly audit: AuditLog;
  /** The git commit stamped on stacks as IaC_Version; deploys refuse when unknown. */
  readonly iacVersion: string | undefined;
  /** Per catalog stack, the commit of the repository its template lives in (wins over `iacVersion`). */
  readonly iacVersions?: Readonly<Record<string, IacVersionResult>>;
  /** Test knobs passed into stack operations (short polls, short timeouts). */
  readonly tuning?: StackOperationInput['tuning'];
  /** Test knobs passed into rollouts (short readiness polls). */
  readonly rolloutTuning?: RolloutInput['tuning'];
}

/**
 * The client-side gateway: the only way front ends (terminal, Slack) reach workflows. Front ends parse a line
 * (`parse`), hand the command to `execute` (the one dispatcher: permissions, policy, the workflow that serves it)
 * and render the data it returns. The parts by concern: `operations` (start and decide approvable operations),
 * `reads` (short read-only workflows and the audit trail) and `language` (the language front door).
 */
export class Gateway {
  readonly operations: Operations;
  readonly reads: Reads;
  readonly language: Language;
  private readonly dispatcher: Dispatcher;

  constructor(private readonly props: GatewayProps) {
    const { client, config, audit } = props;
    this.operations = new Operations(client, config, audit);
    this.reads = new Reads(client, config, audit);
    this.language = new Language(client, config, audit);
    this.dispatcher = new Dispatcher({
      config,
      operations: this.operations,
      reads: this.reads,
      schedules: new Schedules(client, config, audit),
      alerts: new Alerts(client, config),
      liveness: new WorkerLiveness(client, config.temporal.namespace),
      iacVersionOf: (stack) => this.iacVersionOf(stack),
      ...(props.tuning ? { tuning: props.tuning } : {}),
      ...(props.rolloutTuning ? { rolloutTuning: props.rolloutTuning } : {}),
    });
  }

  private get config(): AppConfig {
    return this.props.config;
  }

  /** One line of the grammar, with the catalog names this deployment knows; over-long input is not read at all. */
  parse(line: string): ParseResult {
    if (isTooLong(line)) return { ok: false, error: tooLongText(line.length), suggestions: [] };
    return parseCommand(line, { stacks: this.stackNames, services: this.serviceNames, releases: this.releaseNames });
  }

  /** The catalog's permission rule alone (PermissionDenied), for a front end that asks something first (a form). */
  authorize(command: Command, requester: Requester): void {
    this.dispatcher.authorize(command, requester);
  }

  /** The one dispatcher (worker/gateway/dispatch.ts): every front end's commands go through here. */
  execute(command: Command, requester: Requester, opts: ExecuteOptions = {}): Promise<CommandResult> {
    return this.dispatcher.execute(command, requester, opts);
  }

  get temporalUiUrl(): string | undefined {
    return this.config.temporal.uiUrl;
  }
  get stackNames(): string[] {
    return Object.keys(this.config.stacks);
  }
  get serviceNames(): string[] {
    return Object.keys(this.config.services);
  }
  get releaseNames(): string[] {
    return Object.keys(this.config.releases);
  }
  /** True when a language model is configured: free text then goes to `interpret`, questions to `diagnose`. */
  get languageModel(): boolean {
    return this.config.llm !== undefined;
  }
  operationUrl(workflowId: string): string | undefined {
    return this.operations.url(workflowId);
  }
  stackName(stack: string, env: EnvironmentName): string {
    return stackNameOf(stack, env);
  }
  stackInput(
    kind: 'deploy-stack' | 'delete-stack',
    stack: string,
    env: EnvironmentName,
    requester: Requester,
    notify?: NotifyTarget,
  ): StackOperationInput {
    return stackInput(this.config, this.iacVersionOf(stack), kind, stack, env, requester, notify, this.props.tuning);
  }
  private iacVersionOf(stack: string): string | IacVersionResult | undefined {
    return this.props.iacVersions?.[stack] ?? this.props.iacVersion;
  }

  // Direct entry points below apply the same permission rule as `execute` but not the worker-liveness check: for
  // Slack's buttons and modals (they carry what the person saw), tests and benchmarks. Typed commands use `execute`.

  startStackOperation(
    kind: 'deploy-stack' | 'delete-stack',
    stack: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: NotifyTarget } = {},
  ): Promise<StartedOperation> {
    return this.dispatcher.start({ name: kind, stack, env }, requester, opts.notify);
  }
  startRollout(
    service: string,
    version: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: NotifyTarget } = {},
  ): Promise<StartedOperation> {
    return this.dispatcher.start({ name: 'rollout', service, version, env }, requester, opts.notify);
  }
  startRollback(
    service: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { notify?: NotifyTarget } = {},
  ): Promise<StartedOperation> {
    return this.dispatcher.start({ name: 'rollback', service, env }, requester, opts.notify);
  }
  startHelmRelease(
    kind: 'helm-install' | 'helm-upgrade' | 'helm-rollback',
    release: string,
    env: EnvironmentName,
    requester: Requester,
    opts: { revision?: number; notify?: NotifyTarget } = {},
  ): Promise<StartedOperation> {
    const command: Command =
      kind === 'helm-rollback'
        ? { name: kind, release, revision: opts.revision ?? 0, env }
        : { name: kind, release, env };
    return this.dispatcher.start(command, requester, opts.notify);
  }

  state(operationId: string): Promise<OperationState> {
    return this.operations.state(operationId);
  }
  result(operationId: string): Promise<OperationState> {
    return this.operations.result(operationId);
  }
  async approve(
    operationId: string,
    approver: Requester,
    opts: { artifactId?: string; mfaVerified?: boolean } = {},
  ): Promise<OperationState> {
    this.dispatcher.authorize({ name: 'approve', op: operationId }, approver);
    const state = await this.operations.state(operationId);
    return this.operations.decide(operationId, 'approve', approver, state, opts);
  }
  async reject(operationId: string, by: Requester, reason: string): Promise<OperationState> {
    this.dispatcher.authorize({ name: 'reject', op: operationId, reason }, by);
    return this.operations.decide(operationId, 'reject', by, await this.operations.state(operationId), { reason });
  }
  async cancel(operationId: string, by: Requester): Promise<OperationState> {
    this.dispatcher.authorize({ name: 'cancel', op: operationId }, by);
    return this.operations.decide(operationId, 'cancel', by, await this.operations.state(operationId));
  }
  async controlRollout(
    operationId: string,
    action: 'pause' | 'resume' | 'abort',
    by: Requester,
  ): Promise<OperationState> {
    this.dispatcher.authorize({ name: `rollout-${action}`, op: operationId }, by);
    return this.operations.decide(operationId, action, by, await this.operations.state(operationId));
  }
  list(limit = 20): Promise<OperationSummary[]> {
    return this.operations.list(limit);
  }
  audit(n: number): Promise<AuditRecord[]> {
    return this.reads.auditTail(n);
  }
  whoami(env: EnvironmentName, requester: Requester): Promise<CallerIdentity> {
    return this.reads.whoami(env, requester);
  }
  stackStatus(stack: string, env: EnvironmentName, requester: Requester): Promise<StackStatus> {
    return this.reads.stackStatus(stack, env, requester);
  }
  validate(pathOrStack: string, requester: Requester): Promise<ValidationReport> {
    return this.reads.validate(pathOrStack, requester);
  }
  kubernetesRead(
    command: KubeReadCommand,
    requester: Requester,
    options: { readonly exportLogTo?: LogExportDestination } = {},
  ): Promise<KubeReadAnswer> {
    return this.reads.kubernetes(command, requester, options);
  }
  interpret(text: string, requester: Requester): Promise<InterpretResult> {
    return this.language.interpret(text, requester);
  }
  diagnose(question: string, requester: Requester): Promise<Diagnosis> {
    return this.language.diagnose(question, requester);
  }
  recordProposalDecision(
    interpretId: string,
    decision: 'accepted' | 'declined',
    lines: readonly string[],
    requester: Requester,
  ): Promise<void> {
    return this.language.recordProposalDecision(interpretId, decision, lines, requester);
  }
}
