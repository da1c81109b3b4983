import { condition, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { OperationConflict, PermissionDenied } from '../core/errors';
import type { AnalysisRecord, OperationState, RolloutProgress } from '../core/operations';
import type { AnalyseResult, Colour, TrafficWeights } from '../core/rollout/types';
import { splitText } from '../core/rollout/types';
import type { ControlArgs, RolloutInput } from './definitions';
import { abortUpdate, pauseUpdate, resumeUpdate } from './definitions';
import { notifyActivity, restoreActivity, shortActivity, waitActivity } from './activity-options';
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

/**
 * Activity proxies for rollouts. Readiness waits heartbeat; everything else is short and idempotent, except putting
 * traffic back on the old colour (`restoreTraffic`, `restoreScale`), which never gives up on a transient failure.
 */
export function rolloutActivities() {
  const short = proxyActivities<Activities>(shortActivity);
  const wait = proxyActivities<Activities>(waitActivity);
  const quiet = proxyActivities<Activities>(notifyActivity);
  const restore = proxyActivities<Activities>(restoreActivity);
  return {
    restoreTraffic: restore.setTraffic,
    restoreScale: restore.scaleColour,
    rolloutSecurityGate: short.rolloutSecurityGate,
    resolveArtifact: short.resolveArtifact,
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
  /** Restores that were slow enough to raise on call (numbers their audit records). */
  restoreStalls = 0;

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
      this.state.phase !== 'verifying' &&
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

  /** Which control events happened, in order, for the main flow to audit (infra-agent's own holds included). */
  readonly controls: { action: 'paused' | 'resumed' | 'aborted'; by: string; reason?: string }[] = [];

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
    if (c)
      await audit(
        acts,
        op,
        c.action,
        c.by,
        { weights: op.progress.weights, ...(c.reason ? { reason: c.reason } : {}) },
        done.n,
      );
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

/** Failed measurements in words, for the report (measurements that could not be taken are no failures). */
export function failedText(r: AnalyseResult): string {
  return r.measurements
    .filter((m) => !m.passed && !m.inconclusive)
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
    ...(r.inconclusive ? { inconclusive: true } : {}),
  };
  op.patch({ analyses: [...op.progress.analyses, rec] });
  await audit(
    acts,
    op,
    'analysed',
    'infra-agent',
    {
      stage,
      percent,
      passed: r.passed,
      ...(r.inconclusive ? { inconclusive: true } : {}),
      measurements: r.measurements.map((m) => `${m.provider}: ${m.detail}`),
    },
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

/**
 * What an approval of this run names: the full run id. Runs started before `artifact-full-run-id-v1` named the first
 * 8 characters, which Temporal's time-ordered run ids share for every run started within about a minute.
 */
export function runRef(): string {
  const runId = workflowInfo().runId;
  return patched('artifact-full-run-id-v1') ? runId : runId.slice(0, 8);
}

/** How long a traffic restore may keep failing before on call is raised. */
export const RESTORE_ALERT_MS = 60_000;

/** Sets or clears what needs a person (shown in status; the on-call alert carries it). */
export function setAttention(op: RolloutOperation, attention: string | undefined): void {
  const { attention: _old, ...rest } = op.progress;
  op.update({ rollout: attention ? { ...rest, attention } : rest });
}

/**
 * Awaits a traffic restore (retried without limit by `restoreActivity`). When it has not succeeded within a minute,
 * the operation says why it is waiting, the audit trail records it and on call is alerted — once; the wait goes on
 * until the restore succeeds or fails for good (a non-retryable error, rethrown). Patch `rollout-restore-alert-v1`:
 * runs recorded before it started no timer beside the restore.
 */
export async function awaitRestore<T>(
  op: RolloutOperation,
  acts: Pick<RolloutActs, 'recordAudit'>,
  notifier: OperationNotifier,
  what: string,
  call: Promise<T>,
): Promise<T> {
  if (!patched('rollout-restore-alert-v1')) return call;
  // Never a rejected promise left unawaited while the timer runs: the outcome is kept as a value.
  const settled = call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  let done = false;
  void settled.then(() => {
    done = true;
  });
  if (!(await condition(() => done, RESTORE_ALERT_MS))) {
    setAttention(
      op,
      `${what} has been failing for over a minute (the Kubernetes API or AWS does not answer); infra-agent keeps ` +
        `retrying, at least every 30 s, until it succeeds. Traffic now: ${splitText(op.progress.weights)}.`,
    );
    op.restoreStalls++;
    await audit(
      acts,
      op,
      'overdue',
      'infra-agent',
      { reason: `${what} failing for over a minute, still retrying`, weights: op.progress.weights },
      op.restoreStalls,
    );
    notifier.alert(op.state);
    notifier.send(op.state, 'executing');
    await condition(() => done);
    setAttention(op, undefined);
  }
  const r = await settled;
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * How long a step's measuring may go without a verdict before the rollout holds: the step window, but at least
 * 30 s, so a step of a few seconds still rides out a short API blip.
 */
export function measureGraceMs(stepSeconds: number): number {
  return Math.max(stepSeconds, 30) * 1000;
}

/** What a step's measuring came to: a verdict, or a person's decision while it had none. */
export type StepJudgement = { readonly result: AnalyseResult } | { readonly stop: 'aborted' | 'resumed' };

/** First retry of a measurement that had no verdict; doubles up to MEASURE_RETRY_MAX_MS. */
const MEASURE_RETRY_MS = 2_000;
const MEASURE_RETRY_MAX_MS = 30_000;

/**
 * Judges a step. A result without a verdict (a provider could not read: an API outage says nothing about the new
 * colour) is measured again, backing off, for the rest of the step window (`graceMs`). Still no verdict then: the
 * rollout holds (paused by infra-agent, audited), on call is alerted, and it keeps measuring every 30 s; the first
 * verdict resumes it (or rolls it back, if bad). Meanwhile a person may abort (traffic goes back) or resume
 * (accepting the step unjudged). A read error is never a failed verdict. With `hold: false` (before any traffic
 * moved, when there is nothing to hold) the result without a verdict is returned once the grace has passed.
 */
export async function judgeStep(
  op: RolloutOperation,
  notifier: OperationNotifier,
  analyse: () => Promise<AnalyseResult>,
  where: string,
  o: { readonly graceMs: number; readonly hold: boolean },
): Promise<StepJudgement> {
  const graceMs = o.graceMs;
  let r = await analyse();
  if (!r.inconclusive) return { result: r };
  const deadline = Date.now() + graceMs;
  let backoff = MEASURE_RETRY_MS;
  let held = false;
  for (;;) {
    if (!held && Date.now() >= deadline) {
      if (!o.hold) return { result: r };
      held = true;
      const why = r.measurements.filter((m) => m.inconclusive).map((m) => `${m.provider}: ${m.detail}`);
      op.patch({ paused: true, pausedBy: 'infra-agent' });
      op.controls.push({ action: 'paused', by: 'infra-agent', reason: `no measurement ${where}: ${why.join('; ')}` });
      op.update({ phase: 'paused' });
      setAttention(
        op,
        `the analysis ${where} could not measure for ${Math.round(graceMs / 1000)}s (${why.join('; ')}); the rollout ` +
          `holds at ${splitText(op.progress.weights)} and measures again every 30 s — it resumes by itself on a good ` +
          `measurement and rolls back on a bad one; resume or abort it to decide now`,
      );
      notifier.alert(op.state);
      notifier.send(op.state, 'executing');
    }
    const waitMs = held ? MEASURE_RETRY_MAX_MS : Math.min(backoff, Math.max(1, deadline - Date.now()));
    await condition(() => op.abortedBy !== undefined || (held && !op.progress.paused), waitMs);
    if (op.abortedBy !== undefined) return { stop: 'aborted' };
    if (held && !op.progress.paused) {
      setAttention(op, undefined);
      op.update({ phase: 'analysing' });
      return { stop: 'resumed' };
    }
    backoff = Math.min(backoff * 2, MEASURE_RETRY_MAX_MS);
    r = await analyse();
    if (r.inconclusive) continue;
    if (held) {
      const { pausedBy: _p, ...rest } = op.progress;
      op.update({ rollout: { ...rest, paused: false }, phase: 'analysing' });
      op.controls.push({ action: 'resumed', by: 'infra-agent', reason: `measured again ${where}` });
      setAttention(op, undefined);
    }
    return { result: r };
  }
}
