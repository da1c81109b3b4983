import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { OperationConflict, PermissionDenied } from '../core/errors';
import type { AnalysisRecord, OperationState, RolloutProgress } from '../core/operations';
import type { AnalyseResult, Colour, TrafficWeights } from '../core/rollout/types';
import type { ControlArgs, RolloutInput } from './definitions';
import { abortUpdate, pauseUpdate, resumeUpdate } from './definitions';
import { notifyActivity, shortActivity, waitActivity } from './activity-options';
import type { OperationNotifier } from './operation-notifier';
import { ApprovableOperation } from './approvable-operation';
import { audit } from './audit-activity';

/** Phases in which `cancel` is accepted: nothing has received traffic yet. */
const CANCELLABLE: readonly OperationState['phase'][] = [
  'security-gate',
  'deploying',
  'waiting-ready',
  'analysing',
  'awaiting-approval',
];

/** Activity proxies for rollouts. Readiness waits heartbeat; everything else is short and idempotent. */
export function rolloutActivities() {
  const short = proxyActivities<Activities>(shortActivity);
  const wait = proxyActivities<Activities>(waitActivity);
  const quiet = proxyActivities<Activities>(notifyActivity);
  return {
    rolloutSecurityGate: short.rolloutSecurityGate,
    readColours: short.readColours,
    deployColour: short.deployColour,
    waitColourReady: wait.waitColourReady,
    scaleColour: short.scaleColour,
    readTraffic: short.readTraffic,
    setTraffic: short.setTraffic,
    analyseColour: short.analyseColour,
    recordAudit: quiet.recordAudit,
  };
}
export type RolloutActs = ReturnType<typeof rolloutActivities>;

/**
 * One rollout or rollback's state: the approvable operation plus the rollout's progress and the pause /
 * resume / abort controls. Handlers only change state; the main flow acts on it.
 */
export class RolloutOperation extends ApprovableOperation<RolloutInput> {
  abortedBy: string | undefined;

  constructor(input: RolloutInput, fromColour: Colour) {
    super(
      input,
      {
        operationId: input.operationId,
        kind: input.kind,
        environment: input.environment,
        target: `${input.target.namespace}/${input.service.name}`,
        requester: input.requester,
        startedAt: new Date(workflowInfo().startTime).toISOString(),
        phase: 'security-gate',
        findings: [],
        approvalsRequired: input.approval?.required ?? 1,
        approvals: [],
        events: [],
        rollout: {
          service: input.service.name,
          namespace: input.target.namespace,
          ...(input.version ? { version: input.version, image: `${input.service.image}:${input.version}` } : {}),
          fromColour,
          toColour: fromColour === 'blue' ? 'green' : 'blue',
          traffic: input.traffic.kind,
          steps: input.kind === 'rollout' ? input.policy.steps : [100],
          policy: {
            stepSeconds: input.policy.stepSeconds,
            bakeSeconds: input.policy.bakeSeconds,
            timeBudgetSeconds: input.policy.timeBudgetSeconds,
            analysis: input.policy.analysis,
          },
          stepIndex: -1,
          weights: { blue: 100, green: 0 },
          analyses: [],
          paused: false,
        },
      },
      CANCELLABLE,
    );
  }

  get progress(): RolloutProgress {
    // Always set by the constructor.
    return this.state.rollout as RolloutProgress;
  }

  patch(p: Partial<RolloutProgress>): void {
    this.update({ rollout: { ...this.progress, ...p } });
  }

  /** Requester or an approver may steer a rollout (as for cancel). */
  private checkActor(c: ControlArgs, what: string): void {
    if (c.by !== this.input.requester.userId && !this.approval.approvers.includes(c.by)) {
      throw new PermissionDenied(
        `${c.by} may not ${what} ${this.input.operationId}: only the requester or an approver can`,
      );
    }
  }

  /** Traffic is moving (approved, not finished, not already rolling back). */
  private get steering(): boolean {
    return (
      this.state.approvals.length >= this.approval.required &&
      this.state.phase !== 'done' &&
      this.state.phase !== 'rolling-back' &&
      this.state.phase !== 'scaling-down' &&
      this.abortedBy === undefined
    );
  }

  validatePause(c: ControlArgs): void {
    this.checkActor(c, 'pause');
    if (!this.steering) throw new OperationConflict(`cannot pause: the rollout is ${this.state.phase}`);
    if (this.progress.paused) throw new OperationConflict(`already paused by ${this.progress.pausedBy ?? '?'}`);
  }
  validateResume(c: ControlArgs): void {
    this.checkActor(c, 'resume');
    if (!this.progress.paused) throw new OperationConflict('the rollout is not paused');
  }
  validateAbort(c: ControlArgs): void {
    this.checkActor(c, 'abort');
    if (!this.steering) {
      throw new OperationConflict(
        `cannot abort: the rollout is ${this.state.phase}` +
          (this.state.approvals.length < this.approval.required ? ' (not approved yet: use cancel)' : ''),
      );
    }
  }

  /** Which control events happened, in order, for the main flow to audit. */
  readonly controls: { action: 'paused' | 'resumed' | 'aborted'; by: string }[] = [];

  register(): void {
    setHandler(
      pauseUpdate,
      (c: ControlArgs) => {
        this.patch({ paused: true, pausedBy: c.by });
        this.controls.push({ action: 'paused', by: c.by });
        return this.state;
      },
      { validator: (c: ControlArgs) => this.validatePause(c) },
    );
    setHandler(
      resumeUpdate,
      (c: ControlArgs) => {
        const { pausedBy: _p, ...rest } = this.progress;
        this.update({ rollout: { ...rest, paused: false } });
        this.controls.push({ action: 'resumed', by: c.by });
        return this.state;
      },
      { validator: (c: ControlArgs) => this.validateResume(c) },
    );
    setHandler(
      abortUpdate,
      (c: ControlArgs) => {
        this.abortedBy = c.by;
        this.controls.push({ action: 'aborted', by: c.by });
        return this.state;
      },
      { validator: (c: ControlArgs) => this.validateAbort(c) },
    );
  }
}

/** Audits control events (pause/resume/abort) not yet recorded, in the order they happened. */
export async function auditControls(op: RolloutOperation, acts: RolloutActs, done: { n: number }): Promise<void> {
  for (; done.n < op.controls.length; done.n++) {
    const c = op.controls[done.n];
    if (c) await audit(acts, op, c.action, c.by, { weights: op.progress.weights }, done.n);
  }
}

/** The split with `percent` on the new colour. */
export function weightsFor(to: Colour, percent: number): TrafficWeights {
  return to === 'green' ? { blue: 100 - percent, green: percent } : { blue: percent, green: 100 - percent };
}

/** The colour holding the traffic: the one with the larger share (blue before any router exists). */
export function liveColour(w: TrafficWeights): Colour {
  return w.green > w.blue ? 'green' : 'blue';
}

/** Failed measurements in words, for the report. */
export function failedText(r: AnalyseResult): string {
  return r.measurements
    .filter((m) => !m.passed)
    .map((m) => `${m.provider}: ${m.detail}`)
    .join('; ');
}

/** Records one analysis in state and the audit trail. */
export async function recordAnalysis(
  op: RolloutOperation,
  acts: RolloutActs,
  stage: AnalysisRecord['stage'],
  percent: number,
  r: AnalyseResult,
): Promise<void> {
  const rec: AnalysisRecord = {
    stage,
    percent,
    at: new Date().toISOString(),
    passed: r.passed,
    measurements: r.measurements,
  };
  op.patch({ analyses: [...op.progress.analyses, rec] });
  await audit(
    acts,
    op,
    'analysed',
    'infra-agent',
    { stage, percent, passed: r.passed, measurements: r.measurements.map((m) => `${m.provider}: ${m.detail}`) },
    op.progress.analyses.length,
  );
}

/**
 * The watchdog: if the operation is still running after the policy's time budget, it is marked overdue,
 * audited and raised on call (it is not stopped: a person decides). Runs beside the main flow.
 */
export function startWatchdog(op: RolloutOperation, acts: RolloutActs, notifier: OperationNotifier): void {
  const budgetMs = op.input.policy.timeBudgetSeconds * 1000;
  void (async () => {
    if (await condition(() => op.state.phase === 'done', budgetMs)) return;
    op.patch({ overdueSince: new Date().toISOString() });
    await audit(acts, op, 'overdue', 'infra-agent', {
      budgetSeconds: op.input.policy.timeBudgetSeconds,
      phase: op.state.phase,
    });
    notifier.alert(op.state);
  })();
}
