import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { AuditLog, AuditRecord } from '../../core/audit';
import { kubeFacts, kubeReadRequest } from '../../core/commands/kube-reads';
import type {
  AllocationReportResult,
  CallerIdentity,
  CostReportResult,
  KubeReadAnswer,
  StackStatus,
} from '../../core/commands/results';
import type { AllocationGrouping } from '../../core/cost/allocation';
import { allocationWindow } from '../../core/cost/allocation';
import type { KubeReadCommand } from '../../core/commands/types';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import type { EnvironmentDriftReport, StackDriftReport, UncheckedStack } from '../../core/drift/report';
import { DEFAULT_DRIFT_CONFIG } from '../../core/drift/settings';
import { InvalidInput, OperationConflict } from '../../core/errors';
import { formatOperationId } from '../../core/operation-id';
import type { LogExportDestination } from '../../core/k8s/log-export';
import type { Requester } from '../../core/requester';
import type { ScanResult } from '../../core/security/findings';
import type { CostPeriod } from '../../core/cost/period';
import { costWindow } from '../../core/cost/period';
import type { CostGrouping } from '../../core/cost/report';
import type { ValidationReport } from '../../core/validation';
import type { IdleReport } from '../../core/cost/idle';
import type { FreezesReport } from '../../core/freezes';
import type { PromotionRecord } from '../../core/promotion';
import {
  changeFreezesWorkflow,
  costAllocationWorkflow,
  costReportWorkflow,
  idleResourcesWorkflow,
  describeStackWorkflow,
  environmentDriftWorkflow,
  kubernetesDriftWorkflow,
  kubernetesReadWorkflow,
  listWaiversWorkflow,
  scanConfigWorkflow,
  scanImageWorkflow,
  stackDriftWorkflow,
  unwaiveWorkflow,
  validateTemplatesWorkflow,
  verifyServiceWorkflow,
  verifyStackWorkflow,
  waiveWorkflow,
  whoamiWorkflow,
} from '../../workflows';
import type { GrantWaiverInput } from '../../activities/security/waivers';
import type { WaiverView } from '../../core/security/waivers';
import type { DriftCheckInput } from '../../workflows/drift';
import type { KubeReadInput } from '../../workflows/read-only';
import { idleInput, kubernetesDriftTargets, releaseDriftTarget, serviceDriftTarget, stackNameOf } from './inputs';
import type { KubernetesDriftReport } from '../../core/drift/kubernetes';
import { fromReadFailure } from './temporal-errors';

/** How far back in the audit trail `promotions {env}` looks (records, all kinds). */
const PROMOTION_SCAN = 20_000;
import type { VerifyReport } from '../../core/verify/report';
import { taskQueueFor, taskQueueOfWorkflowId } from '../../core/task-queues';

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
        // `<kind>/<env>/…` runs on that environment's queue; the rest on the general one (core/task-queues.ts).
        taskQueue: taskQueueOfWorkflowId(this.config, workflowId),
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

  private knownStack(stack: string): void {
    if (!this.config.stacks[stack]) {
      throw new InvalidInput(
        `stack: '${stack}' is not in the catalog; known stacks: ${Object.keys(this.config.stacks).join(', ')}`,
      );
    }
  }

  /** Why a stack's operation lock is held right now (a deploy or delete is running), or undefined. */
  private async busyWith(stack: string, env: EnvironmentName): Promise<string | undefined> {
    const id = formatOperationId('stack', env, stack);
    try {
      const d = await this.client.workflow.getHandle(id).describe();
      if (d.status.name !== 'RUNNING') return undefined;
      return (
        `${id} (${d.type}, started ${d.startTime.toISOString()}) is running on this stack: drift is checked against ` +
        `a settled stack, so this check would race it — try again when it finishes (see \`status ${id}\`)`
      );
    } catch (e) {
      if (e instanceof Error && e.name === 'WorkflowNotFoundError') return undefined;
      throw e;
    }
  }

  private driftInput(env: EnvironmentName): DriftCheckInput {
    const drift = this.config.drift ?? DEFAULT_DRIFT_CONFIG;
    const channel = this.config.environments[env].slack.alertsChannel;
    return {
      // A drift a person finds by hand alerts on call too (once per drift id, like the scheduled check).
      alerts: channel ? { channel } : {},
      environment: env,
      region: this.config.environments[env].region,
      ignore: drift.ignore,
      pollMs: drift.pollMs,
    };
  }

  /**
   * `drift {stack} {env}`: CloudFormation's drift detection of a catalog stack with the configured ignore list. A
   * stack an operation holds is refused (OperationConflict) rather than checked mid-change.
   */
  async driftStack(stack: string, env: EnvironmentName, requester: Requester): Promise<StackDriftReport> {
    this.knownStack(stack);
    const busy = await this.busyWith(stack, env);
    if (busy) throw new OperationConflict(busy);
    return this.run(
      stackDriftWorkflow,
      `drift/${env}/${stack}/${requester.requestId}`,
      [{ ...this.driftInput(env), stack, stackName: stackNameOf(stack, env) }],
      '35m',
      `drift check of ${stack} in ${env}`,
    );
  }

  /**
   * `drift service {service} {env}` / `drift release {release} {env}`: a rollout service's Deployments vs what its
   * last rollout applied, or a Helm release vs the catalog's chart and values. Alerts like `drift {stack}`.
   */
  async driftKubernetes(
    kind: 'service' | 'release',
    name: string,
    env: EnvironmentName,
    requester: Requester,
  ): Promise<KubernetesDriftReport> {
    const check =
      kind === 'service' ? serviceDriftTarget(this.config, name, env) : releaseDriftTarget(this.config, name, env);
    const channel = this.config.environments[env].slack.alertsChannel;
    return this.run(
      kubernetesDriftWorkflow,
      `drift/${env}/${kind}-${name}/${requester.requestId}`,
      [{ environment: env, check, alerts: channel ? { channel } : {} }],
      '10m',
      `drift check of ${kind} ${name} in ${env}`,
    );
  }

  /** The environment's alerts channel for a verification run by hand (a failure alerts on call, a pass resolves). */
  private verifyAlerts(env: EnvironmentName): { channel?: string } {
    const channel = this.config.environments[env].slack.alertsChannel;
    return channel ? { channel } : {};
  }

  /** `verify {stack} {env}`: the deployed stack's status, resources, outputs and EC2 lookups (docs/drift.md). */
  async verifyStack(stack: string, env: EnvironmentName, requester: Requester): Promise<VerifyReport> {
    this.knownStack(stack);
    return this.run(
      verifyStackWorkflow,
      `verify/${env}/${stack}/${requester.requestId}`,
      [
        {
          environment: env,
          stack,
          stackName: stackNameOf(stack, env),
          region: this.config.environments[env].region,
          alerts: this.verifyAlerts(env),
        },
      ],
      '5m',
      `verification of ${stack} in ${env}`,
    );
  }

  /** `verify service {service} {env}`: the live colour's readiness and image (the same read as `drift service`). */
  async verifyService(service: string, env: EnvironmentName, requester: Requester): Promise<VerifyReport> {
    const check = serviceDriftTarget(this.config, service, env);
    if (check.kind !== 'service') throw new InvalidInput(`service: '${service}' is not a rollout service`);
    return this.run(
      verifyServiceWorkflow,
      `verify/${env}/service-${service}/${requester.requestId}`,
      [{ environment: env, target: check.target, traffic: check.traffic, alerts: this.verifyAlerts(env) }],
      '5m',
      `verification of service ${service} in ${env}`,
    );
  }

  /**
   * Before `remediate {stack} {env}` starts anything: refused while an operation holds the stack or a drift check of
   * it runs (its answer is what remediation acts on), then a drift check now — its report says whether there is
   * anything to put back (and raises the alert, once per drift id, as any manual check does).
   */
  async remediationCheck(stack: string, env: EnvironmentName, requester: Requester): Promise<StackDriftReport> {
    this.knownStack(stack);
    const id = formatOperationId('stack', env, stack);
    const busy = await this.client.workflow
      .getHandle(id)
      .describe()
      .catch(() => undefined);
    if (busy?.status.name === 'RUNNING') {
      throw new OperationConflict(
        `${id} is busy: ${busy.type} started ${busy.startTime.toISOString()} is running on this stack; remediation ` +
          `would race it — try again when it finishes (see \`status ${id}\`)`,
      );
    }
    const checking = await this.driftCheckRunning(stack, env);
    if (checking) {
      throw new OperationConflict(
        `a drift check of ${stack} in ${env} is running (${checking}): remediation acts on what a check finds — ` +
          `try again when it finishes`,
      );
    }
    return this.driftStack(stack, env, requester);
  }

  /**
   * Before `remediate service {service} {env}` starts anything: refused while a rollout, rollback or remediation
   * holds the service (its Deployments are moving; what they should be is what that operation will record), then a
   * drift check now — its report says whether there is anything to put back (and raises the alert, as any check).
   */
  async serviceRemediationCheck(
    service: string,
    env: EnvironmentName,
    requester: Requester,
  ): Promise<KubernetesDriftReport> {
    serviceDriftTarget(this.config, service, env); // unknown service, or no cluster there: refused before anything
    const id = formatOperationId('rollout', env, service);
    const busy = await this.client.workflow
      .getHandle(id)
      .describe()
      .catch(() => undefined);
    if (busy?.status.name === 'RUNNING') {
      throw new OperationConflict(
        `${id} is busy: ${busy.type} started ${busy.startTime.toISOString()} is running on this service; ` +
          `remediation would race it — try again when it finishes (see \`status ${id}\`)`,
      );
    }
    return this.driftKubernetes('service', service, env, requester);
  }

  /** The id and start of a drift check running on this stack (its own, `drift all`, or the schedule's), if any. */
  private async driftCheckRunning(stack: string, env: EnvironmentName): Promise<string | undefined> {
    const types = ['stackDriftWorkflow', 'environmentDriftWorkflow', 'scheduledDriftWorkflow'];
    const query =
      `ExecutionStatus = 'Running' AND TaskQueue = '${taskQueueFor(this.config, env)}' AND ` +
      `WorkflowType IN (${types.map((t) => `'${t}'`).join(', ')})`;
    const scheduled = `${this.config.temporal.taskQueue}/drift/${env}`;
    for await (const w of this.client.workflow.list({ query })) {
      const id = w.workflowId;
      if (
        id.startsWith(`drift/${env}/${stack}/`) ||
        id.startsWith(`drift/${env}/all/`) ||
        (w.type === 'scheduledDriftWorkflow' && id.startsWith(scheduled))
      )
        return `${id}, started ${w.startTime.toISOString()}`;
    }
    return undefined;
  }

  /** `drift all {env}`: every catalog stack, a bounded number at a time; busy or absent stacks are listed, not checked. */
  async driftAll(env: EnvironmentName, requester: Requester): Promise<EnvironmentDriftReport> {
    const names = Object.keys(this.config.stacks);
    const busy = await Promise.all(names.map((stack) => this.busyWith(stack, env)));
    const unchecked: UncheckedStack[] = [];
    const stacks: { stack: string; stackName: string }[] = [];
    names.forEach((stack, i) => {
      const reason = busy[i];
      if (reason) unchecked.push({ stack, stackName: stackNameOf(stack, env), kind: 'busy', reason });
      else stacks.push({ stack, stackName: stackNameOf(stack, env) });
    });
    const concurrency = (this.config.drift ?? DEFAULT_DRIFT_CONFIG).concurrency;
    const kubernetes = kubernetesDriftTargets(this.config, env);
    return this.run(
      environmentDriftWorkflow,
      `drift/${env}/all/${requester.requestId}`,
      [{ ...this.driftInput(env), stacks, concurrency, unchecked, ...(kubernetes.length ? { kubernetes } : {}) }],
      '2h',
      `drift check of ${env}`,
    );
  }

  /**
   * Validates a catalog stack's template, a file or folder the worker can read (relative to the infra folder,
   * absolute or under ~/), or a file shared in Slack (`slack:<file id>`).
   */
  async validate(pathOrStack: string, requester: Requester): Promise<ValidationReport> {
    const slackFile = /^slack:(F[A-Z0-9]+)$/.exec(pathOrStack)?.[1];
    const file = this.config.stacks[pathOrStack]?.template ?? pathOrStack.replace(/^infra\//, '');
    return this.run(
      validateTemplatesWorkflow,
      `validate/${requester.requestId}`,
      [slackFile ? { files: [], slackFile, actor: requester.userId } : { files: [file], actor: requester.userId }],
      '10m',
      `validating ${slackFile ? pathOrStack : file}`,
    );
  }

  /** Validates the template a catalog stack runs now in an environment (CloudFormation GetTemplate). */
  async validateDeployed(stack: string, env: EnvironmentName, requester: Requester): Promise<ValidationReport> {
    if (!this.config.stacks[stack]) {
      throw new InvalidInput(
        `stack: '${stack}' is not in the catalog; known stacks: ${Object.keys(this.config.stacks).join(', ')}`,
      );
    }
    const stackName = stackNameOf(stack, env);
    const deployed = { region: this.config.environments[env].region, stackName, environment: env };
    return this.run(
      validateTemplatesWorkflow,
      `validate/${env}/${stack}/${requester.requestId}`,
      [{ files: [], deployed, actor: requester.userId }],
      '10m',
      `validating ${stackName} in ${env}`,
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

  /** trivy over an image (the sandbox's tarball or the registry, per config `security.images`). */
  async scanImage(ref: string, requester: Requester): Promise<ScanResult> {
    return this.run(scanImageWorkflow, `scan/image/${requester.requestId}`, [{ ref }], '10m', `scanning ${ref}`);
  }

  /** trivy config over a path inside the configured roots. */
  async scanConfig(path: string, requester: Requester): Promise<ScanResult> {
    return this.run(scanConfigWorkflow, `scan/config/${requester.requestId}`, [{ path }], '10m', `checking ${path}`);
  }

  /** `waive ...`: the worker checks the approver, binds the waiver to the digest it scans, stores and audits it. */
  async waive(input: Omit<GrantWaiverInput, 'by' | 'requestId'>, requester: Requester): Promise<WaiverView> {
    const w = await this.run(
      waiveWorkflow,
      `waiver/grant/${requester.requestId}`,
      [{ ...input, by: requester.userId, requestId: requester.requestId }],
      '10m',
      `waiving ${input.findingId} for ${input.image}`,
    );
    return { ...w, status: 'active' };
  }

  async unwaive(id: string, requester: Requester): Promise<WaiverView> {
    return this.run(
      unwaiveWorkflow,
      `waiver/revoke/${requester.requestId}`,
      [{ id, by: requester.userId, requestId: requester.requestId }],
      '2m',
      `revoking ${id}`,
    );
  }

  async waivers(env: EnvironmentName, requester: Requester): Promise<WaiverView[]> {
    return this.run(
      listWaiversWorkflow,
      `waiver/list/${requester.requestId}`,
      [{ environment: env }],
      '2m',
      `listing the waivers of ${env}`,
    );
  }

  /**
   * A cost report: the window is fixed here from the gateway's clock (complete UTC days up to today) and recorded
   * in the workflow's input, so the workflow and its retries read the same days.
   */
  async cost(
    env: EnvironmentName,
    period: CostPeriod,
    grouping: CostGrouping,
    requester: Requester,
    now: Date = new Date(),
  ): Promise<CostReportResult> {
    const e = this.config.environments[env];
    if (!e)
      throw new InvalidInput(
        `env: '${env}' is not configured; environments: ${Object.keys(this.config.environments).join(', ')}`,
      );
    let window;
    try {
      window = costWindow(period, now.toISOString().slice(0, 10));
    } catch (err) {
      throw new InvalidInput(err instanceof Error ? err.message : String(err));
    }
    return this.run(
      costReportWorkflow,
      `cost/${env}/${requester.requestId}`,
      [{ environment: env, region: e.region, period, window, grouping }],
      '5m',
      `reading ${env}'s cost`,
    );
  }

  /**
   * `cost by namespace|workload {env} {period}`: the cluster's OpenCost/Kubecost allocation API (config
   * `cost.allocation.<env>`); the window is fixed here from the gateway's clock and recorded in the workflow's input.
   */
  async allocation(
    env: EnvironmentName,
    period: CostPeriod,
    grouping: AllocationGrouping,
    requester: Requester,
    now: Date = new Date(),
  ): Promise<AllocationReportResult> {
    const e = this.config.environments[env];
    if (!e)
      throw new InvalidInput(
        `env: '${env}' is not configured; environments: ${Object.keys(this.config.environments).join(', ')}`,
      );
    const url = this.config.cost?.allocation?.[env];
    if (!url)
      throw new InvalidInput(
        `${env} has no Kubernetes cost allocation API: set cost.allocation.${env} in the config to its OpenCost (or ` +
          'Kubecost) URL, e.g. http://opencost.opencost:9003 (docs/cost.md)',
      );
    const suffix = e.cluster?.namespaceSuffix;
    return this.run(
      costAllocationWorkflow,
      `cost-allocation/${env}/${requester.requestId}`,
      [
        {
          environment: env,
          period,
          grouping,
          url,
          window: allocationWindow(period, now),
          ...(suffix ? { namespaceSuffix: suffix } : {}),
        },
      ],
      '5m',
      `reading ${env}'s Kubernetes cost allocation`,
    );
  }

  /**
   * `idle {env}`: the environment's namespaces (catalog services and releases, with the cluster's suffix) and its
   * blue/green standby colours are decided here from config and recorded in the workflow's input.
   */
  async idle(env: EnvironmentName, requester: Requester, now: Date = new Date()): Promise<IdleReport> {
    const e = this.config.environments[env];
    if (!e)
      throw new InvalidInput(
        `env: '${env}' is not configured; environments: ${Object.keys(this.config.environments).join(', ')}`,
      );
    return this.run(
      idleResourcesWorkflow,
      `idle/${env}/${requester.requestId}`,
      [{ ...idleInput(this.config, env), nowIso: now.toISOString() }],
      '5m',
      `looking for idle resources in ${env}`,
    );
  }

  /** `freezes {env}`: the change freezes the worker's config has for an environment, and which one holds now. */
  async freezes(env: EnvironmentName, requester: Requester): Promise<FreezesReport> {
    if (!this.config.environments[env])
      throw new InvalidInput(
        `env: '${env}' is not configured; environments: ${Object.keys(this.config.environments).join(', ')}`,
      );
    return this.run(
      changeFreezesWorkflow,
      `freezes/${env}/${requester.requestId}`,
      [{ environment: env }],
      '1m',
      `reading ${env}'s change freezes`,
    );
  }

  async auditTail(n: number): Promise<AuditRecord[]> {
    return this.audit.tail(n);
  }

  /**
   * `promotions {env}`: the `promoted` records of the audit trail into `env` (the CM-3 change records the promotion
   * workflow writes when it ends), newest first, with links to the promotion and its rollout in the Temporal UI.
   */
  async promotions(env: EnvironmentName, limit = 20): Promise<PromotionRecord[]> {
    const records = (await this.audit.tail(PROMOTION_SCAN)).filter(
      (r) => r.action === 'promoted' && r.environment === env,
    );
    const ui = this.config.temporal.uiUrl;
    const link = (id: string): string =>
      `${ui}/namespaces/${this.config.temporal.namespace}/workflows/${encodeURIComponent(id)}`;
    return records
      .reverse()
      .slice(0, limit)
      .map((r) => {
        const p = r.details as unknown as PromotionRecord;
        const ids = [p.operationId, ...(p.rollout ? [p.rollout.operationId] : [])];
        return ui ? { ...p, links: ids.map(link) } : p;
      });
  }
}
