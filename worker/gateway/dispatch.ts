import { resolveApprovers } from '../../core/approval';
import { renderHelp } from '../../core/commands/help';
import { checkPermission, specFor } from '../../core/commands/policy';
import type { CommandResult, DecisionAction, StartedOperation } from '../../core/commands/results';
import type { Command, CommandNamed, KubeReadCommand } from '../../core/commands/types';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { InvalidInput, MfaRequired, PermissionDenied } from '../../core/errors';
import type { LogExportDestination } from '../../core/k8s/log-export';
import type { MfaReservation, MfaVerifier } from '../../core/mfa';
import type { OperationState } from '../../core/operations';
import { mfaRefusalText } from '../../core/mfa';
import { formatOperationId } from '../../core/operation-id';
import type { Requester } from '../../core/requester';
import type { WaiverView } from '../../core/security/waivers';
import type { IacVersionResult } from '../iac-version';
import type { NotifyTarget, RolloutInput, StackOperationInput } from '../../workflows/definitions';
import {
  helmReleaseInput,
  reapInput,
  remediateInput,
  remediateServiceInput,
  promoteInput,
  rolloutInput,
  stackInput,
  stackNameOf,
} from './inputs';
import type { WorkerLiveness } from './liveness';
import type { DecisionName, Operations } from './operations';
import type { Reads } from './reads';
import type { Alerts } from './alerts';
import type { ScheduledCheck } from '../../core/alerts/alert';
import type { Schedules } from './schedules';
import type { SnoozeFor } from '../../core/alerts/alert';
import { taskQueueFor } from '../../core/task-queues';

/** How the person's second factor is obtained for an approval that needs one (PRD). */
export interface StepUp {
  /** The MFA store; absent when this front end has none (a terminal without INFRA_AGENT_MFA_KEY). */
  readonly verifier?: MfaVerifier;
  /** The 6-digit code (a flag, a prompt, a modal's field); undefined when none was given. */
  askCode(prompt: string): Promise<string | undefined>;
}

/** What a front end adds to a command: where it reports, where a long log goes, how MFA is asked. */
export interface ExecuteOptions {
  /** The conversation a started operation reports into (Slack); absent: the environment's channel. */
  readonly notify?: NotifyTarget;
  /** Pod logs: where the full log goes when chat shows only its last lines. */
  readonly exportLogTo?: LogExportDestination;
  readonly stepUp?: StepUp;
}

export interface DispatcherDeps {
  readonly config: AppConfig;
  readonly operations: Operations;
  readonly reads: Reads;
  readonly schedules: Schedules;
  readonly alerts: Alerts;
  readonly liveness: WorkerLiveness;
  /** The IaC_Version of a catalog stack's template: the commit of the repository (root) it lives in. */
  iacVersionOf(stack: string): string | IacVersionResult | undefined;
  readonly tuning?: StackOperationInput['tuning'];
  readonly rolloutTuning?: RolloutInput['tuning'];
}

const DECIDED: Readonly<Record<DecisionName, DecisionAction>> = {
  approve: 'approved',
  reject: 'rejected',
  cancel: 'cancelled',
  pause: 'paused',
  resume: 'resumed',
  abort: 'aborting',
  keep: 'kept',
};

/**
 * The one dispatcher: every command from every front end (typed in the terminal or Slack, or a proposal's Run) goes
 * through `execute`, which checks the catalog's permission rule once, checks that a worker is there to serve it,
 * runs the workflow, update, query or read the catalog says serves it, and returns data for the front end to render.
 */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async execute(command: Command, requester: Requester, opts: ExecuteOptions = {}): Promise<CommandResult> {
    const spec = specFor(command);
    this.authorize(command, requester);
    // Everything but help and the audit trail is served by a worker: say at once when none is polling.
    if (spec.serves !== 'help' && spec.serves !== 'audit' && spec.serves !== 'list')
      await this.deps.liveness.assertPolling(
        taskQueueFor(this.deps.config, (command as { env?: EnvironmentName }).env),
      );
    return this.serve(command, requester, opts);
  }

  /**
   * Starts an approvable operation with the same permission rule, without the worker-liveness check (an operation
   * started with no worker waits for one): for tests, benchmarks and composition. Front ends use `execute`.
   */
  async start(command: Command, requester: Requester, notify?: NotifyTarget): Promise<StartedOperation> {
    this.authorize(command, requester);
    const r = await this.serve(command, requester, notify ? { notify } : {});
    if (r.kind !== 'started') throw new Error(`${command.name} does not start an operation`);
    return r.started;
  }

  /** The catalog's permission rule (core/commands/policy.ts) for this requester, or PermissionDenied. */
  authorize(command: Command, requester: Requester): void {
    const refusal = checkPermission(command, {
      userId: requester.userId,
      displayName: requester.displayName,
      known: this.deps.config.users[requester.userId] !== undefined,
      via: requester.via,
    });
    if (refusal) throw new PermissionDenied(refusal.message, refusal.kind);
  }

  private async serve(c: Command, r: Requester, opts: ExecuteOptions): Promise<CommandResult> {
    const { config, operations, reads } = this.deps;
    switch (specFor(c).serves) {
      case 'help':
        return { kind: 'help', text: renderHelp((c as CommandNamed<'help'>).command) };
      case 'whoami': {
        const w = c as CommandNamed<'whoami'>;
        return { kind: 'whoami', identity: await reads.whoami(w.env, r) };
      }
      case 'stack-operation': {
        const s = c as CommandNamed<'deploy-stack' | 'delete-stack'>;
        const input = stackInput(
          config,
          this.deps.iacVersionOf(s.stack),
          s.name,
          s.stack,
          s.env,
          r,
          opts.notify,
          this.deps.tuning,
        );
        const e = config.environments[s.env];
        const started = await operations.start(s.name, input, input.stack.stackName);
        return {
          kind: 'started',
          started,
          environment: s.env,
          what: `${s.name} ${stackNameOf(s.stack, s.env)} in account ${e.account}, ${e.region}`,
        };
      }
      case 'remediate': {
        if (c.name === 'remediate-service') return this.remediateService(c, r, opts);
        const s = c as CommandNamed<'remediate-stack'>;
        // A drift check first: nothing drifted → that answer and nothing started; a busy stack is refused there.
        const report = await reads.remediationCheck(s.stack, s.env, r);
        if (report.status !== 'DRIFTED') return { kind: 'drift', report, remediation: 'nothing-drifted' };
        const input = remediateInput(config, s.stack, s.env, r, report.fingerprint, opts.notify, this.deps.tuning);
        const e = config.environments[s.env];
        const started = await operations.start('remediate-stack', input, input.stack.stackName);
        return {
          kind: 'started',
          started,
          environment: s.env,
          what: `drift remediation of ${input.stack.stackName} in account ${e.account}, ${e.region} (${report.summary})`,
        };
      }
      case 'rollout': {
        const o = c as CommandNamed<'rollout' | 'rollback'>;
        const version = o.name === 'rollout' ? o.version : undefined;
        const input = rolloutInput(config, o.name, o.service, o.env, r, version, opts.notify, this.deps.rolloutTuning);
        const started = await operations.start(o.name, input, `${input.target.namespace}/${input.service.name}`);
        const what = o.name === 'rollout' ? `rollout of ${o.service} ${o.version}` : `rollback of ${o.service}`;
        return { kind: 'started', started, environment: o.env, what };
      }
      case 'promotion': {
        const p = c as CommandNamed<'promote'>;
        const input = promoteInput(config, p.service, p.version, p.env, r, opts.notify, this.deps.rolloutTuning);
        const started = await operations.start('promote', input, `${input.rollout.target.namespace}/${p.service}`);
        return {
          kind: 'started',
          started,
          environment: p.env,
          what: `promotion of ${p.service} ${p.version} from ${input.from} to ${p.env}`,
        };
      }
      case 'promotions': {
        const env = (c as CommandNamed<'promotions'>).env;
        return { kind: 'promotions', environment: env, records: await reads.promotions(env) };
      }
      case 'helm-release': {
        const h = c as CommandNamed<'helm-install' | 'helm-upgrade' | 'helm-rollback'>;
        const input = helmReleaseInput(config, h.name, h.release, h.env, r, {
          ...(h.name === 'helm-rollback' ? { revision: h.revision } : {}),
          ...(opts.notify ? { notify: opts.notify } : {}),
        });
        const started = await operations.start(h.name, input, `${input.request.namespace}/${h.release}`);
        return { kind: 'started', started, environment: h.env, what: `${h.name.replace('-', ' ')} ${h.release}` };
      }
      case 'decision':
        return this.decide(
          c as CommandNamed<'approve' | 'reject' | 'cancel' | 'rollout-pause' | 'rollout-resume' | 'rollout-abort'>,
          r,
          opts,
        );
      case 'operation-status': {
        const op = (c as CommandNamed<'operation-status'>).op;
        const [state, heldUpBy] = await Promise.all([operations.state(op), operations.heldUpBy(op)]);
        return { kind: 'state', state, ...(heldUpBy ? { heldUpBy } : {}) };
      }
      case 'list':
        return { kind: 'list', operations: await operations.list() };
      case 'audit':
        return { kind: 'audit', records: await reads.auditTail((c as CommandNamed<'audit'>).n) };
      case 'stack-status': {
        const s = c as CommandNamed<'stack-status'>;
        return {
          kind: 'stack-status',
          stackName: stackNameOf(s.stack, s.env),
          status: await reads.stackStatus(s.stack, s.env, r),
        };
      }
      case 'drift': {
        if (c.name === 'drift-service')
          return { kind: 'drift', report: await reads.driftKubernetes('service', c.service, c.env, r) };
        if (c.name === 'drift-release')
          return { kind: 'drift', report: await reads.driftKubernetes('release', c.release, c.env, r) };
        const d = c as CommandNamed<'drift-stack' | 'drift-all'>;
        const report =
          d.name === 'drift-all' ? await reads.driftAll(d.env, r) : await reads.driftStack(d.stack, d.env, r);
        return { kind: 'drift', report };
      }
      case 'verify': {
        if (c.name === 'verify-service')
          return { kind: 'verify', report: await reads.verifyService(c.service, c.env, r) };
        const v = c as CommandNamed<'verify-stack'>;
        return { kind: 'verify', report: await reads.verifyStack(v.stack, v.env, r) };
      }
      case 'validate': {
        if (c.name === 'validate-deployed') {
          return { kind: 'validation', report: await reads.validateDeployed(c.stack, c.env, r) };
        }
        return { kind: 'validation', report: await reads.validate((c as CommandNamed<'validate'>).path, r) };
      }
      case 'scan': {
        const s = c as CommandNamed<'scan-image' | 'scan-config' | 'scan-service'>;
        if (s.name === 'scan-config') return { kind: 'scan', scan: await reads.scanConfig(s.path, r) };
        const ref = s.name === 'scan-image' ? s.image : serviceImage(config, s.service, s.version);
        return { kind: 'scan', scan: await reads.scanImage(ref, r) };
      }
      case 'waiver':
        return this.waiver(c as CommandNamed<'waive' | 'unwaive' | 'waivers'>, r, opts);
      case 'schedules': {
        if (c.name === 'schedule-pause' || c.name === 'schedule-resume') {
          const paused = c.name === 'schedule-pause';
          const s = await this.deps.schedules.setPaused(c.check as ScheduledCheck, c.env, paused, r);
          return { kind: 'schedules', schedules: [s], action: paused ? 'paused' : 'resumed' };
        }
        return { kind: 'schedules', schedules: await this.deps.schedules.list() };
      }
      case 'alerts': {
        if (c.name === 'alert-acknowledge') {
          const a = await this.deps.alerts.decide(c.alert, 'acknowledge', c.reason, r);
          return { kind: 'alerts', alerts: [a], action: 'acknowledged' };
        }
        if (c.name === 'alert-snooze') {
          const a = await this.deps.alerts.decide(c.alert, 'snooze', c.reason, r, c.snooze as SnoozeFor);
          return { kind: 'alerts', alerts: [a], action: 'snoozed' };
        }
        return { kind: 'alerts', alerts: await this.deps.alerts.list(r) };
      }
      case 'cost': {
        if (c.name === 'cost-by-namespace' || c.name === 'cost-by-workload') {
          const grouping = c.name === 'cost-by-namespace' ? 'namespace' : 'workload';
          return { kind: 'allocation', allocation: await reads.allocation(c.env, c.period, grouping, r) };
        }
        const k = c as CommandNamed<'cost' | 'cost-by-service' | 'cost-daily'>;
        const grouping = k.name === 'cost-by-service' ? 'aws-service' : 'service-tag';
        const cost = await reads.cost(k.env, k.period, grouping, r);
        return { kind: 'cost', cost: k.name === 'cost-daily' ? { ...cost, daily: true } : cost };
      }
      case 'reap': {
        const k = c as CommandNamed<'reap' | 'keep'>;
        if (k.name === 'keep') {
          const op = formatOperationId('reap', k.env, k.resource);
          const before = await operations.state(op);
          return { kind: 'decided', action: 'kept', state: await operations.decide(op, 'keep', r, before) };
        }
        const input = reapInput(config, k.resource, k.env, r, opts.notify);
        const started = await operations.start('reap', input, k.resource);
        return { kind: 'started', started, environment: k.env, what: `reap of ${k.resource} (after a notice)` };
      }
      case 'idle':
        return { kind: 'idle', report: await reads.idle((c as CommandNamed<'idle'>).env, r) };
      case 'freezes':
        return { kind: 'freezes', report: await reads.freezes((c as CommandNamed<'freezes'>).env, r) };
      case 'kube-read':
        return {
          kind: 'kube-read',
          read: await reads.kubernetes(
            c as KubeReadCommand,
            r,
            opts.exportLogTo ? { exportLogTo: opts.exportLogTo } : {},
          ),
        };
    }
  }

  /**
   * `remediate service {service} {env}`: a drift check first (refused while the service's rollout lock is held);
   * nothing drifted → that report and nothing started; else the approved re-apply of what the last rollout recorded.
   */
  private async remediateService(
    c: CommandNamed<'remediate-service'>,
    r: Requester,
    opts: ExecuteOptions,
  ): Promise<CommandResult> {
    const report = await this.deps.reads.serviceRemediationCheck(c.service, c.env, r);
    if (report.status !== 'DRIFTED') return { kind: 'drift', report, remediation: 'nothing-drifted' };
    const input = remediateServiceInput(this.deps.config, c.service, c.env, r, report.fingerprint, opts.notify);
    const started = await this.deps.operations.start(
      'remediate-service',
      input,
      `${input.target.namespace}/${c.service}`,
    );
    return {
      kind: 'started',
      started,
      environment: c.env,
      what: `drift remediation of ${c.service} in ${input.target.namespace} (${report.summary})`,
    };
  }

  /** `waive`, `unwaive`, `waivers`: served by the worker (the approver check and the store live there). */
  private async waiver(
    c: CommandNamed<'waive' | 'unwaive' | 'waivers'>,
    r: Requester,
    opts: ExecuteOptions,
  ): Promise<CommandResult> {
    const { reads } = this.deps;
    if (c.name === 'waivers') return { kind: 'waivers', environment: c.env, waivers: await reads.waivers(c.env, r) };
    if (c.name === 'unwaive') return { kind: 'waiver', action: 'revoked', waiver: await reads.unwaive(c.waiver, r) };
    const own = await this.ownPendingRollout(c.image, c.env, r);
    if (own) {
      throw new PermissionDenied(
        `you requested ${own}, which is still running: nobody may waive their own change's findings; ask another approver of ${c.env}`,
      );
    }
    const input = { findingId: c.finding, image: c.image, environment: c.env, duration: c.duration, reason: c.reason };
    const policy = this.deps.config.environments[c.env].approval;
    // Someone who may not approve there is refused by the worker with the list of approvers, before any code.
    if (!policy.mfa || !resolveApprovers(policy, this.deps.config.users).includes(r.userId))
      return { kind: 'waiver', action: 'granted', waiver: await reads.waive(input, r) };
    // A waiver lets through what the gate would stop: where approving needs a second factor, so does waiving. The
    // same step-up as an approval (one verifier, its lockout and its audit of refused codes); the worker refuses a
    // waiver in such an environment that does not say it was verified.
    const step = await this.stepUp(opts.stepUp, r, c.env, `waiver/${c.env}/${c.finding}`, 'waiver');
    if (!step.ok) throw new MfaRequired(step.message, step.reason, c.env);
    let waiver: WaiverView;
    try {
      waiver = await reads.waive({ ...input, mfaVerified: true }, r);
    } catch (e) {
      await step.reservation.release();
      throw e;
    }
    await step.reservation.commit();
    return { kind: 'waiver', action: 'granted', waiver };
  }

  /**
   * The requester's own rollout of this image in this environment, still running (waiting for its gate, its
   * approval, its traffic steps): `rollout/prd/payments-api (ghcr.io/example/payments-api:1.4.2)`. A waiver that
   * names a digest matches any running rollout of the same repository. The gate also never applies a person's
   * waivers to their own rollouts, so a rollout started after the waiver is covered as well.
   */
  private async ownPendingRollout(image: string, env: EnvironmentName, r: Requester): Promise<string | undefined> {
    const repository = image.replace(/@sha256:[a-f0-9]{64}$/, '').replace(/:[\w][\w.-]*$/, '');
    for (const [name, s] of Object.entries(this.deps.config.services)) {
      if (s.image !== repository) continue;
      const op = formatOperationId('rollout', env, name);
      const state = await this.deps.operations.state(op).catch(() => undefined);
      if (!state || state.outcome !== undefined || state.requester.userId !== r.userId) continue;
      const running = state.rollout?.image;
      if (!running || running === image || image.includes('@sha256:')) return `${op} (${running ?? image})`;
    }
    return undefined;
  }

  /** approve, reject, cancel, and a rollout's pause, resume and abort: Updates on the operation's workflow. */
  private async decide(
    c: CommandNamed<'approve' | 'reject' | 'cancel' | 'rollout-pause' | 'rollout-resume' | 'rollout-abort'>,
    r: Requester,
    opts: ExecuteOptions,
  ): Promise<CommandResult> {
    const { operations } = this.deps;
    const decision = c.name.replace(/^rollout-/, '') as DecisionName;
    const before = await operations.state(c.op);
    if (decision !== 'approve') {
      const state = await operations.decide(c.op, decision, r, before, c.name === 'reject' ? { reason: c.reason } : {});
      return { kind: 'decided', action: DECIDED[decision], state };
    }
    const artifactId = before.preview?.artifactId;
    const withArtifact = artifactId ? { artifactId } : {};
    if (!this.deps.config.environments[before.environment].approval.mfa) {
      const state = await operations.decide(c.op, 'approve', r, before, withArtifact);
      return { kind: 'decided', action: 'approved', state };
    }
    const step = await this.stepUp(opts.stepUp, r, before.environment, c.op, 'approval');
    if (step.ok) {
      // The code is held, not used: it is used only by an approval the workflow accepts (a refused one, e.g. for a
      // stale change set, gives it back).
      let state: OperationState;
      try {
        state = await operations.decide(c.op, 'approve', r, before, { ...withArtifact, mfaVerified: true });
      } catch (e) {
        await step.reservation.release();
        throw e;
      }
      await step.reservation.commit();
      return { kind: 'decided', action: 'approved', state };
    }
    // Sent unverified all the same: the workflow refuses it, and the refusal is audited next to the operation.
    await operations.decide(c.op, 'approve', r, before, withArtifact).catch(() => undefined);
    throw new MfaRequired(step.message, step.reason, before.environment);
  }

  /**
   * Step-up MFA for an approval or a waiver: a reserved code, or why not (no store here, no code given, or the
   * verifier's verdict). A wrong code may be tried again while the asker offers a new one (a prompt; a flag gives
   * one code), within the verifier's lockout.
   */
  private async stepUp(
    stepUp: StepUp | undefined,
    who: Requester,
    env: EnvironmentName,
    operationId: string,
    what: 'approval' | 'waiver',
  ): Promise<
    { ok: true; reservation: MfaReservation } | { ok: false; reason: MfaRequired['reason']; message: string }
  > {
    if (!stepUp?.verifier) {
      return {
        ok: false,
        reason: 'no-verifier',
        message: `${what}s in ${env} need an MFA code, and no MFA store is configured here`,
      };
    }
    if (!(await stepUp.verifier.isEnrolled(who.userId)))
      return { ok: false, reason: 'not-enrolled', message: mfaRefusalText('not-enrolled') };
    let previous: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const prompt =
        attempt === 1
          ? `MFA code for ${who.userId} (${env} ${what}): `
          : `That code is not valid right now; MFA code for ${who.userId} again: `;
      const code = (await stepUp.askCode(prompt))?.trim();
      if (!code) return { ok: false, reason: 'no-code', message: `${what}s in ${env} need an MFA code` };
      if (code === previous) return { ok: false, reason: 'wrong', message: mfaRefusalText('wrong') };
      previous = code;
      const reservation = await stepUp.verifier.reserve(who.userId, code, {
        operationId,
        environment: env,
        via: who.via,
      });
      if (reservation.verdict === 'ok') return { ok: true, reservation };
      if (reservation.verdict !== 'wrong' || attempt >= MAX_CODE_TRIES)
        return { ok: false, reason: reservation.verdict, message: mfaRefusalText(reservation) };
    }
  }
}

/** Codes asked for in one approval before it is refused (the verifier's lockout caps tries across approvals). */
const MAX_CODE_TRIES = 3;

/** The image a rollout of `service` at `version` would run: the catalog's image with the version as its tag. */
function serviceImage(config: AppConfig, service: string, version: string): string {
  const s = config.services[service];
  if (!s) throw new InvalidInput(`service: '${service}' is not in the catalog`);
  return `${s.image}:${version}`;
}
