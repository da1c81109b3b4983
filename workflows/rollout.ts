import { ActivityFailure, condition, isCancellation, patched, workflowInfo } from '@temporalio/workflow';
import type { AccessGrant } from '../core/access';
import type { ResolvedArtifact } from '../core/artifacts';
import type { OperationOutcome, OperationState } from '../core/operations';
import { manualRestoreText } from '../core/rollout/restore';
import { isSplit, otherColour, splitText } from '../core/rollout/types';
import type { Colour } from '../core/rollout/types';
import type { RolloutInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import { alertVerification, verificationWords, verifyServiceAfterRollout } from './verify';
import type { RolloutActs } from './rollout-flow';
import {
  RolloutOperation,
  auditControls,
  awaitRestore,
  failedText,
  judgeStep,
  measureGraceMs,
  liveColour,
  recordAnalysis,
  rolloutActivities,
  runRef,
  startWatchdog,
  weightsFor,
} from './rollout-flow';
import {
  accessGrant,
  activeFreeze,
  awaitDecision,
  finisher,
  registerHandlers,
  resolvePolicy,
  withFailureOutcome,
} from './approval-flow';
import { audit } from './audit-activity';

/** patched() id: rollouts resolve the tag to a digest at request and check it again before writing. */
export const ARTIFACT_DIGEST_PATCH = 'rollout-artifact-digest-v1';

/**
 * The tag resolved again: why it no longer names the approved digest (moved, deleted, refused), or undefined when it
 * still does. A registry that does not answer is retried by the activity; it never counts as "unchanged".
 */
async function tagMoved(
  acts: RolloutActs,
  input: RolloutInput,
  artifact: ResolvedArtifact,
): Promise<string | undefined> {
  const again = await acts.resolveArtifact({
    environment: input.environment,
    service: input.service.name,
    image: input.service.image,
    tag: artifact.tag,
  });
  if (again.kind === 'resolved' && again.artifact.digest === artifact.digest) return undefined;
  const now = again.kind === 'resolved' ? `now names ${again.artifact.digest}` : `no longer resolves (${again.reason})`;
  return `tag '${artifact.tag}' moved: it named ${artifact.digest} when requested and ${now}; failing closed`;
}

/**
 * The approvals of the promotion that started this rollout as its child: they stand for the rollout's own (the
 * promotion showed the same digest, its preconditions and this environment's policy on its card). Only when the
 * parent workflow is that promotion: an input naming a promotion from anywhere else waits for approval as usual.
 */
async function promotedApprovals(op: RolloutOperation, acts: RolloutActs): Promise<'approved' | undefined> {
  const p = op.input.promotion;
  if (!p || workflowInfo().parent?.workflowId !== p.operationId || p.approvals.length < op.approval.required) {
    return undefined;
  }
  op.update({ approvals: p.approvals });
  for (const [i, a] of p.approvals.entries()) {
    await audit(acts, op, 'approved', a.approver, { promotion: p.operationId, via: a.via, mfa: a.mfa }, i);
  }
  return 'approved';
}

/**
 * Blue/green rollout (M7): security gate → deploy the idle colour → wait Ready → health check → approval →
 * shift traffic step by step with analysis after each → bake at 100% → scale the old colour down (kept for
 * fast rollback). A failed analysis or an abort sends all traffic back to the old colour. Every step is an
 * idempotent activity, so a worker killed mid-step resumes at that step without redoing finished ones.
 */
export async function blueGreenRolloutWorkflow(input: RolloutInput): Promise<OperationState> {
  const op = new RolloutOperation(input, 'blue');
  const acts = rolloutActivities();
  const notifier = OperationNotifier.for(input);
  registerHandlers(op);
  op.register();
  const controls = { n: 0 };
  /** Set at approval: AWS traffic changes run as the approver under the deploy role. */
  let grant: AccessGrant | undefined;
  const t = input.target;
  const tag = input.version ?? 'latest';
  /** The tag as asked; replaced by `<repository>@<digest>` once resolved (what is approved and deployed). */
  let image = `${input.service.image}:${tag}`;
  const tagImage = image;
  let artifact: ResolvedArtifact | undefined;

  const finishOp = finisher(op, notifier, ['failed', 'rolled-back']);
  const finish = async (outcome: OperationOutcome, message: string): Promise<OperationState> => {
    await auditControls(op, acts, controls);
    return finishOp(outcome, message);
  };

  /** Traffic all back on the old colour, the new one scaled to zero: the state before the rollout. */
  const rollBack = async (
    outcome: 'rolled-back' | 'aborted',
    reason: string,
    actor: string,
  ): Promise<OperationState> => {
    const { fromColour: from, toColour: to } = op.progress;
    await auditControls(op, acts, controls); // the abort (if any) is recorded before what it caused
    op.update({ phase: 'rolling-back' });
    notifier.send(op.state, 'executing');
    // Retried without limit (an API outage must not leave traffic split); on call hears of it after a minute.
    const set = await awaitRestore(
      op,
      acts,
      notifier,
      `putting all traffic back on ${from}`,
      acts.restoreTraffic({
        target: t,
        traffic: input.traffic,
        weights: weightsFor(to, 0),
        operationId: input.operationId,
        ...(grant ? { grant } : {}),
      }),
    );
    op.patch({ weights: weightsFor(to, 0) });
    await awaitRestore(
      op,
      acts,
      notifier,
      `scaling ${to} down`,
      acts.restoreScale({ target: t, colour: to, replicas: 0 }),
    );
    await audit(acts, op, 'rolled-back', actor, {
      outcome,
      reason,
      restored: from,
      previousWeights: set.previous,
    });
    return finish(
      outcome,
      `${outcome === 'aborted' ? `aborted by ${actor}` : 'rolled back'}: ${reason}. ` +
        `All traffic is back on ${from}${op.progress.previousImage ? ` (${op.progress.previousImage})` : ''}; ${to} scaled to 0.`,
    );
  };

  /** Waits out `ms` unless an abort comes first; true when aborted. */
  const abortableWait = async (ms: number): Promise<boolean> => condition(() => op.abortedBy !== undefined, ms);

  /** Holds while paused (an abort ends the hold); true when aborted. */
  const holdIfPaused = async (): Promise<boolean> => {
    if (!op.progress.paused) return op.abortedBy !== undefined;
    const before = op.state.phase;
    op.update({ phase: 'paused' });
    notifier.send(op.state, 'executing');
    await auditControls(op, acts, controls);
    await condition(() => !op.progress.paused || op.abortedBy !== undefined);
    await auditControls(op, acts, controls);
    op.update({ phase: before });
    return op.abortedBy !== undefined;
  };

  startWatchdog(op, acts, notifier);

  /**
   * Traffic could not be put back for good (a non-retryable error: transient ones are retried without limit). The
   * outcome says so loudly — the split as the router has it now and the command that restores it by hand — and on
   * call is alerted (the finisher alerts on `failed`). Patch `rollout-traffic-split-report-v1`: earlier runs ended
   * without reading the router first.
   */
  const finishSplit = async (message: string, e?: unknown): Promise<OperationState> => {
    const { fromColour: from, toColour: to } = op.progress;
    const cause = e instanceof ActivityFailure ? e.cause : e;
    // Without an error, `message` is the restore's own failure (withFailureOutcome worded it).
    const reason = cause === undefined ? '' : cause instanceof Error ? cause.message : JSON.stringify(cause);
    if (!patched('rollout-traffic-split-report-v1')) {
      return finish('failed', `${message}; restoring traffic to ${from} ALSO failed: check the router now`);
    }
    let weights = op.progress.weights;
    let known = 'the last split infra-agent set';
    try {
      weights = (await acts.readTraffic({ target: t, traffic: input.traffic })).weights;
      known = 'as the router reports it now';
    } catch {
      // The router cannot be read either: the last split set is the best knowledge there is.
    }
    op.patch({ weights });
    if (!isSplit(weights)) {
      return finish(
        'failed',
        `${message}; putting traffic back on ${from} failed${reason ? ` (${reason})` : ''}, but traffic is not split: ` +
          `${splitText(weights)} (${known})` +
          (weights[to] > 0 ? `; ${to} still runs ${image}` : ''),
      );
    }
    await audit(acts, op, 'failed', 'infra-agent', { reason: 'traffic split', weights, error: reason }, 2);
    return finish(
      'failed',
      `TRAFFIC SPLIT: ${splitText(weights)} (${known}), restore by hand with ` +
        `${manualRestoreText(t, input.traffic, weightsFor(to, 0))} — ${message}` +
        (reason ? `; putting all traffic back on ${from} failed for good: ${reason}` : ''),
    );
  };

  /**
   * An activity failed for good: if the new colour already had traffic, the traffic goes back before the outcome is
   * reported, so a failure never leaves a half-shifted split behind. When the restore itself is what failed for good
   * (non-retryable), trying it again would fail the same way: the outcome reports the split instead.
   */
  const failSafely = async (outcome: OperationOutcome, message: string): Promise<OperationState> => {
    const { toColour: to, weights } = op.progress;
    if (outcome === 'failed' && weights[to] > 0) {
      if (op.state.phase === 'rolling-back') {
        return patched('rollout-traffic-split-report-v1') ? finishSplit(message) : finish(outcome, message);
      }
      try {
        return await rollBack('rolled-back', `${message} (the rollout could not continue)`, 'infra-agent');
      } catch (err) {
        if (isCancellation(err)) throw err;
        return finishSplit(message, err);
      }
    }
    return finish(outcome, message);
  };

  return withFailureOutcome(op, acts, failSafely, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      image,
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    // Immutable artifacts (patch `rollout-artifact-digest-v1`): the tag is resolved to a digest now, under the
    // worker's policy for the environment; a mutable tag where it is refused, or an unknown tag, ends here.
    if (patched(ARTIFACT_DIGEST_PATCH)) {
      const resolved = await acts.resolveArtifact({
        environment: input.environment,
        service: input.service.name,
        image: input.service.image,
        tag,
      });
      if (resolved.kind === 'refused') {
        await audit(acts, op, 'failed', 'infra-agent', { reason: 'artifact refused', detail: resolved.reason });
        return finish('failed', `refused: ${resolved.reason}. Nothing was deployed.`);
      }
      const pinned = input.promotion?.digest;
      if (pinned && (resolved.kind !== 'resolved' || resolved.artifact.digest !== pinned)) {
        const now = resolved.kind === 'resolved' ? `now names ${resolved.artifact.digest}` : resolved.reason;
        const detail = `tag '${tag}' no longer names the promoted digest ${pinned} (${now}); failing closed`;
        await audit(acts, op, 'failed', 'infra-agent', { reason: 'tag moved', detail }, 5);
        return finish('failed', `${detail}. Nothing was deployed.`);
      }
      if (resolved.kind === 'resolved') {
        artifact = resolved.artifact;
        image = artifact.reference;
        op.patch({ image, digest: artifact.digest });
        await audit(acts, op, 'artifact-resolved', 'infra-agent', { ...artifact });
      } else {
        op.patch({ artifactNote: resolved.reason });
        await audit(acts, op, 'artifact-resolved', 'infra-agent', { tag, unresolved: resolved.reason });
      }
    }

    // The requester rides along so the gate never applies their own waivers (the input, not the command order, changed).
    // The gate scans the tag as asked (the sandbox's scan archives are named by tag); the digest is checked again
    // before the first write, so a tag moved since is never deployed.
    const gate = await acts.rolloutSecurityGate({ target: t, image: tagImage, requester: input.requester.userId });
    op.patch({ securityGate: gate });
    await audit(acts, op, 'security-gate', 'infra-agent', { ...gate });
    if (!gate.passed) return finish('failed', `security gate refused ${image}: ${gate.summary}`);

    // Which colour is live now decides where the new version goes.
    const traffic = await acts.readTraffic({ target: t, traffic: input.traffic });
    const colours = await acts.readColours({ target: t });
    const from: Colour = liveColour(traffic.weights);
    const to = otherColour(from);
    const previousImage = colours[from].image;
    op.patch({
      fromColour: from,
      toColour: to,
      weights: traffic.weights,
      ...(previousImage ? { previousImage } : {}),
    });
    if (previousImage === image && traffic.weights[from] === 100 && colours[from].readyReplicas > 0) {
      await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes', image, colour: from });
      return finish('no-changes', `no changes: ${from} already runs ${image} with all traffic`);
    }

    op.update({ phase: 'deploying' });
    const movedBeforeDeploy = artifact ? await tagMoved(acts, input, artifact) : undefined;
    if (movedBeforeDeploy) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'tag moved', detail: movedBeforeDeploy }, 3);
      return finish('failed', `${movedBeforeDeploy}. Nothing was deployed.`);
    }
    const deployed = await acts.deployColour({
      target: t,
      colour: to,
      image,
      port: input.service.port,
      replicas: input.service.replicas,
      operationId: input.operationId,
    });
    await audit(acts, op, 'deployed', 'infra-agent', { colour: to, image, changed: deployed.changed });

    op.update({ phase: 'waiting-ready' });
    const deployedAt = new Date().toISOString();
    const ready = await acts.waitColourReady({
      target: t,
      colour: to,
      timeoutSeconds: input.policy.readyTimeoutSeconds,
      ...(input.tuning?.pollMs ? { pollMs: input.tuning.pollMs } : {}),
    });
    if (!ready.ready) {
      await acts.scaleColour({ target: t, colour: to, replicas: 0 });
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'not ready', detail: ready.message });
      return finish(
        'failed',
        `${to} (${image}) did not become ready: ${ready.message}. No traffic moved; ${to} scaled to 0.`,
      );
    }

    // Health check before any traffic: the same providers, at 0%.
    op.update({ phase: 'analysing' });
    const grace = measureGraceMs(input.policy.stepSeconds);
    const checked = await judgeStep(
      op,
      notifier,
      () =>
        acts.analyseColour({
          target: t,
          colour: to,
          specs: input.policy.analysis,
          windowStart: deployedAt,
          windowEnd: new Date().toISOString(),
        }),
      'before any traffic',
      { graceMs: grace, hold: false },
    );
    // Not approved yet, so nobody can abort or resume here: the judgement is always a result.
    const health = 'result' in checked ? checked.result : { passed: false, measurements: [], inconclusive: true };
    await recordAnalysis(op, acts, 'ready', 0, health);
    if (health.inconclusive) {
      await acts.scaleColour({ target: t, colour: to, replicas: 0 });
      return finish(
        'failed',
        `could not check ${to}'s health before any traffic moved (${health.measurements.map((m) => `${m.provider}: ${m.detail}`).join('; ')}); ` +
          `no traffic moved; ${to} scaled to 0. Nothing was judged bad: try again when the cluster answers.`,
      );
    }
    if (!health.passed) {
      await acts.scaleColour({ target: t, colour: to, replicas: 0 });
      return finish(
        'failed',
        `health checks failed before any traffic moved: ${failedText(health)}; ${to} scaled to 0.`,
      );
    }

    // The approval names exactly this image on this colour in this run.
    const artifactId = `${image}@${to}#${runRef()}`;
    op.update({ preview: { artifactId, stackName: `${input.service.name}-${to}`, changes: [] } });
    await audit(acts, op, 'previewed', 'infra-agent', {
      artifactId,
      from,
      to,
      previousImage,
      steps: input.policy.steps,
    });
    const decision = (await promotedApprovals(op, acts)) ?? (await awaitDecision(op, acts, notifier));
    if (decision !== 'approved') {
      await acts.scaleColour({ target: t, colour: to, replicas: 0 });
      return finish(decision.outcome, `${decision.message}; ${to} scaled to 0`);
    }
    grant = accessGrant(op);
    // The approval named this digest: a tag that moved since fails closed before any traffic moves.
    const movedAfterApproval = artifact ? await tagMoved(acts, input, artifact) : undefined;
    if (movedAfterApproval) {
      await acts.scaleColour({ target: t, colour: to, replicas: 0 });
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'tag moved', detail: movedAfterApproval }, 4);
      return finish(
        'failed',
        `${movedAfterApproval} after it was approved. No traffic moved; ${to} scaled to 0; ${from} keeps all traffic. ` +
          `Request the rollout again to approve what the tag names now.`,
      );
    }

    // Shift traffic step by step; analysis judges each step before the next.
    for (let i = op.progress.stepIndex + 1; i < input.policy.steps.length; i++) {
      const percent = input.policy.steps[i] ?? 100;
      if (await holdIfPaused()) return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
      op.update({ phase: 'shifting-traffic' });
      const weights = weightsFor(to, percent);
      const set = await acts.setTraffic({
        target: t,
        traffic: input.traffic,
        weights,
        operationId: input.operationId,
        ...(grant ? { grant } : {}),
      });
      op.patch({ weights, stepIndex: i });
      await audit(
        acts,
        op,
        'traffic-shifted',
        'infra-agent',
        {
          weights,
          changed: set.changed,
          step: i + 1,
          ...(set.assumedRoleArn ? { assumedRoleArn: set.assumedRoleArn, sourceIdentity: grant?.sourceIdentity } : {}),
        },
        i,
      );
      notifier.send(op.state, 'executing');

      op.update({ phase: 'analysing' });
      const windowStart = new Date().toISOString();
      if (await abortableWait(input.policy.stepSeconds * 1000))
        return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
      const judged = await judgeStep(
        op,
        notifier,
        () =>
          acts.analyseColour({
            target: t,
            colour: to,
            specs: input.policy.analysis,
            windowStart,
            windowEnd: new Date().toISOString(),
          }),
        `at ${percent}%`,
        { graceMs: grace, hold: true },
      );
      if ('stop' in judged) {
        if (judged.stop === 'aborted') return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
        await auditControls(op, acts, controls); // resumed by a person: the step goes on unjudged
        continue;
      }
      const r = judged.result;
      await recordAnalysis(op, acts, 'step', percent, r);
      await auditControls(op, acts, controls);
      if (!r.passed) return rollBack('rolled-back', `analysis failed at ${percent}%: ${failedText(r)}`, 'infra-agent');
    }

    // Bake: the new colour carries everything for a while, then is judged once more.
    if (await holdIfPaused()) return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
    op.update({ phase: 'baking' });
    const bakeStart = new Date().toISOString();
    if (await abortableWait(input.policy.bakeSeconds * 1000))
      return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
    const bakeJudged = await judgeStep(
      op,
      notifier,
      () =>
        acts.analyseColour({
          target: t,
          colour: to,
          specs: input.policy.analysis,
          windowStart: bakeStart,
          windowEnd: new Date().toISOString(),
        }),
      'during the bake',
      { graceMs: measureGraceMs(input.policy.bakeSeconds), hold: true },
    );
    if ('stop' in bakeJudged && bakeJudged.stop === 'aborted')
      return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');
    // A person who resumed an unmeasured bake accepted it unjudged.
    const baked = 'result' in bakeJudged ? bakeJudged.result : { passed: true, measurements: [] };
    if ('result' in bakeJudged) await recordAnalysis(op, acts, 'bake', 100, baked);
    await auditControls(op, acts, controls);
    if (!baked.passed)
      return rollBack('rolled-back', `analysis failed during the bake: ${failedText(baked)}`, 'infra-agent');
    if (await holdIfPaused()) return rollBack('aborted', 'stopped by command', op.abortedBy ?? '?');

    op.update({ phase: 'scaling-down' });
    if (colours[from].exists) {
      await acts.scaleColour({ target: t, colour: from, replicas: 0 });
      await audit(acts, op, 'scaled', 'infra-agent', { colour: from, replicas: 0, kept: true });
    }
    await audit(acts, op, 'completed', 'infra-agent', { image, colour: to });
    // New in this version: a rollout that succeeded verifies the live colour (docs/drift.md); a failure alerts on
    // call. Rollouts that ran before it replay without these activities.
    let verified = '';
    if (patched('verify-after-rollout')) {
      op.update({ phase: 'verifying' });
      const verification = await verifyServiceAfterRollout({
        environment: input.environment,
        target: t,
        traffic: input.traffic,
      });
      op.update({ verification });
      await alertVerification(verification, input.notify?.alertsChannel ? { channel: input.notify.alertsChannel } : {});
      verified = `; ${verificationWords(verification)}`;
    }
    return finish(
      'succeeded',
      `${image} is live on ${to} with 100% of traffic` +
        (colours[from].exists
          ? `; ${from}${previousImage ? ` (${previousImage})` : ''} scaled to 0 and kept for rollback`
          : ' (first rollout: nothing to scale down)') +
        verified,
    );
  });
}

export type { RolloutActs };
