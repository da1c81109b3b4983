import { otherColour } from '../core/rollout/types';
import type {
  AnalyseResult,
  Colour,
  RolloutActivities,
  RolloutPolicy,
  ServiceTarget,
  TrafficSpec,
  TrafficWeights,
} from '../core/rollout/types';

/** What the floor rolls out: one service's target, image and policy, as the gateway would resolve them. */
export interface FloorRolloutInput {
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  readonly policy: RolloutPolicy;
  readonly operationId: string;
}

/** Milestones of one floor rollout, in ms since its start. */
export interface FloorTimes {
  /** Deployed, Ready and health-checked: where the product waits for the approval. */
  readonly readyForApprovalMs: number;
  /** Old colour scaled down: done. */
  readonly totalMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function weightsFor(to: Colour, percent: number): TrafficWeights {
  return to === 'green' ? { blue: 100 - percent, green: percent } : { blue: percent, green: 100 - percent };
}

function mustPass(r: AnalyseResult, where: string): void {
  if (!r.passed) throw new Error(`floor: analysis failed ${where}: ${JSON.stringify(r.measurements)}`);
}

/**
 * The floor for bench:rollouts: the cluster work of blueGreenRolloutWorkflow done by a plain script — the very
 * rollout activity functions the worker runs, called directly in the same order with the same waits, with no
 * Temporal, no approval, no audit trail and no state. Throws on anything the workflow would not call success.
 */
export async function floorRollout(acts: RolloutActivities, input: FloorRolloutInput): Promise<FloorTimes> {
  const t0 = Date.now();
  const { target, traffic, policy } = input;
  const window = (start: number) => ({
    target,
    specs: policy.analysis,
    windowStart: new Date(start).toISOString(),
    windowEnd: new Date().toISOString(),
  });

  const gate = await acts.rolloutSecurityGate({ target, image: input.image });
  if (!gate.passed) throw new Error(`floor: security gate refused ${input.image}`);
  const current = await acts.readTraffic({ target, traffic });
  const colours = await acts.readColours({ target });
  const from: Colour = current.weights.green > current.weights.blue ? 'green' : 'blue';
  const to = otherColour(from);

  await acts.deployColour({
    target,
    colour: to,
    image: input.image,
    port: input.port,
    replicas: input.replicas,
    operationId: input.operationId,
  });
  const deployedAt = Date.now();
  const ready = await acts.waitColourReady({ target, colour: to, timeoutSeconds: policy.readyTimeoutSeconds });
  if (!ready.ready) throw new Error(`floor: ${to} not ready: ${ready.message}`);
  mustPass(await acts.analyseColour({ ...window(deployedAt), colour: to }), 'before traffic');
  const readyForApprovalMs = Date.now() - t0;

  for (const percent of policy.steps) {
    await acts.setTraffic({ target, traffic, weights: weightsFor(to, percent), operationId: input.operationId });
    const start = Date.now();
    await sleep(policy.stepSeconds * 1000);
    mustPass(await acts.analyseColour({ ...window(start), colour: to }), `at ${percent}%`);
  }
  const bakeStart = Date.now();
  await sleep(policy.bakeSeconds * 1000);
  mustPass(await acts.analyseColour({ ...window(bakeStart), colour: to }), 'during the bake');
  if (colours[from].exists) await acts.scaleColour({ target, colour: from, replicas: 0 });
  return { readyForApprovalMs, totalMs: Date.now() - t0 };
}
