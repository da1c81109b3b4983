import { workflowInfo } from '@temporalio/workflow';
import type { OperationState } from '../core/operations';
import { otherColour } from '../core/rollout/types';
import type { RolloutInput } from './definitions';
import { OperationNotifier } from './operation-notifier';
import { RolloutOperation, liveColour, rolloutActivities, startWatchdog, weightsFor } from './rollout-flow';
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
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'nothing to roll back to', colour: to });
      return finish(
        'failed',
        `nothing to roll back to: ${input.service.name}-${to} does not exist in ${t.namespace} (no earlier rollout kept it)`,
      );
    }
    op.patch({
      fromColour: from,
      toColour: to,
      weights: traffic.weights,
      image: back.image,
      ...(colours[from].image ? { previousImage: colours[from].image } : {}),
    });

    const artifactId = `${back.image}@${to}#${workflowInfo().runId.slice(0, 8)}`;
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
    const set = await acts.setTraffic({
      target: t,
      traffic: input.traffic,
      weights,
      operationId: input.operationId,
      ...(grant ? { grant } : {}),
    });
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
