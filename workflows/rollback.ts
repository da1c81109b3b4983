import type { OperationState } from '../core/operations';
import { otherColour } from '../core/rollout/types';
import type { Colour } from '../core/rollout/types';
import type { RolloutInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import {
  RolloutOperation,
  awaitRestore,
  liveColour,
  rolloutActivities,
  runRef,
  startWatchdog,
  weightsFor,
} from './rollout-flow';
import {
  accessGrant,
  activeFreeze,
  finisher,
  awaitDecision,
  registerHandlers,
  resolvePolicy,
  withFailureOutcome,
} from './approval-flow';
import { audit } from './audit-activity';

/**
 * `rollback <service> <env>`: all traffic back to the colour the last rollout kept scaled down. Preview (which
 * image on which colour gets the traffic) → approval → scale it up → wait Ready → switch 100% in one step →
 * scale the other down. Emergency path: no traffic steps, but never without approval.
 */
export async function rollbackWorkflow(input: RolloutInput): Promise<OperationState> {
  const op = new RolloutOperation(input, 'blue');
  const acts = rolloutActivities();
  const notifier = OperationNotifier.for(input);
  registerHandlers(op);
  const t = input.target;

  const finish = finisher(op, notifier);
  startWatchdog(op, acts, notifier);

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    op.update({ phase: 'deploying' });
    const traffic = await acts.readTraffic({ target: t, traffic: input.traffic });
    const colours = await acts.readColours({ target: t });
    const from = liveColour(traffic.weights);
    const to = otherColour(from);
    const back = colours[to];
    if (!traffic.exists || !back.exists || !back.image) {
      // Said before any approval is asked: there is nothing an approver could approve.
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'nothing to roll back to', colour: to });
      return finish('failed', nothingToRollBack(input, traffic.exists, from, colours[from].image));
    }
    op.patch({
      fromColour: from,
      toColour: to,
      weights: traffic.weights,
      image: back.image,
      ...(colours[from].image ? { previousImage: colours[from].image } : {}),
    });

    const artifactId = `${back.image}@${to}#${runRef()}`;
    op.update({ preview: { artifactId, stackName: `${input.service.name}-${to}`, changes: [] } });
    await audit(acts, op, 'previewed', 'infra-agent', { artifactId, from, to, image: back.image });
    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') return finish(decision.outcome, decision.message);

    op.update({ phase: 'waiting-ready' });
    notifier.send(op.state, 'executing');
    await acts.scaleColour({ target: t, colour: to, replicas: Math.max(back.replicas, input.service.replicas) });
    const ready = await acts.waitColourReady({
      target: t,
      colour: to,
      timeoutSeconds: input.policy.readyTimeoutSeconds,
      ...(input.tuning?.pollMs ? { pollMs: input.tuning.pollMs } : {}),
    });
    if (!ready.ready) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'not ready', detail: ready.message });
      return finish('failed', `${to} (${back.image}) did not become ready: ${ready.message}; traffic stays on ${from}`);
    }

    op.update({ phase: 'shifting-traffic' });
    const weights = weightsFor(to, 100);
    const grant = accessGrant(op);
    // One atomic switch, so a failure leaves all traffic on `from`; retried without limit like any restore.
    const set = await awaitRestore(
      op,
      acts,
      notifier,
      `switching all traffic to ${to}`,
      acts.restoreTraffic({
        target: t,
        traffic: input.traffic,
        weights,
        operationId: input.operationId,
        ...(grant ? { grant } : {}),
      }),
    );
    op.patch({ weights, stepIndex: 0 });
    await audit(acts, op, 'traffic-shifted', 'infra-agent', { weights, changed: set.changed });

    op.update({ phase: 'scaling-down' });
    await acts.scaleColour({ target: t, colour: from, replicas: 0 });
    await audit(acts, op, 'completed', 'infra-agent', { image: back.image, colour: to });
    return finish(
      'succeeded',
      `rolled back: ${back.image} on ${to} has 100% of traffic; ${from}${colours[from].image ? ` (${colours[from].image})` : ''} scaled to 0`,
    );
  });
}

/**
 * Why there is nothing to roll back to, in the words a person needs: a first rollout leaves only one colour, so a
 * rollback needs a second rollout first.
 */
function nothingToRollBack(input: RolloutInput, routed: boolean, live: Colour, liveImage: string | undefined): string {
  const who = `${input.service.name} in ${input.environment}`;
  if (!routed || !liveImage) {
    return (
      `${who} has not been rolled out yet: there is nothing to roll back to. Roll it out first ` +
      `(rollout ${input.service.name} <version> to ${input.environment}).`
    );
  }
  const tag = liveImage.slice(liveImage.lastIndexOf('/') + 1).split(':')[1] ?? liveImage;
  return (
    `${who} has had one rollout (${live}, ${tag}); there is no earlier colour to roll back to. ` +
    `A rollback needs a second rollout first.`
  );
}
