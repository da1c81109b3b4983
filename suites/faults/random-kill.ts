import type { OperationState } from '../../core/operations';
import type { Suite } from './harness';
import { approveOnce, checkStackOperation, endState, makeWorld, person, sleep, startWorker, until } from './harness';
import type { Child } from './harness';

export interface RandomKillOptions {
  readonly kills: number;
  /** Operations kept in flight while the worker is being killed. */
  readonly concurrency: number;
  readonly seed: number;
  /**
   * Pause between the restarted worker's first completed activity (its first progress) and its next kill -9:
   * uniform in [min, max] ms. Timing kills from progress, not from the worker's start, keeps a slow start (a minute
   * on a loaded machine) from turning the run into a crash loop in which no operation ever moves.
   */
  readonly intervalMs: readonly [number, number];
  /** How long to wait for a restarted worker's first progress before killing it anyway (counted in `noProgress`). */
  readonly progressTimeoutMs?: number;
}

export interface RandomKillResult {
  readonly kills: number;
  readonly operations: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly problems: string[];
  /** Per kill: from kill -9 to the replacement worker polling. */
  readonly restartMs: number[];
  /** Per kill: from the worker polling to its first completed activity. */
  readonly progressMs: number[];
  /** Kills made without progress since the worker started (the progress wait timed out): should be 0. */
  readonly noProgress: number;
  /** Per operation: from its start to its end (kills included). */
  readonly operationMs: number[];
}

/** mulberry32: a small seeded generator, so a failing run can be repeated with the same kill times. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Concurrent stack deploys on one queue while its only worker is killed -9 at seeded random moments and
 * restarted; new deploys keep starting so every kill lands among operations in flight. Each kill comes a seeded
 * random pause after the worker's first completed activity since it started. Afterwards every operation must have
 * succeeded exactly once (one `requested`, one `executed`, one CREATE_COMPLETE).
 */
export async function randomKill(suite: Suite, o: RandomKillOptions): Promise<RandomKillResult> {
  // Enough stacks that deploys stay in flight for every kill: each kill waits for one completed activity, and a
  // deploy has about a dozen, so a deploy sees several kills before it ends.
  const maxOps = Math.max(o.concurrency * 2, o.kills + o.concurrency);
  const stacks = Array.from({ length: maxOps }, (_, i) => `rk${i}`);
  const world = await makeWorld(suite, 'random-kill', stacks);
  const random = rng(o.seed);
  const gw = world.session.gateway;
  let worker: Child = await startWorker(suite, world);
  let killing = true;
  const results: Promise<{ op: string; stack: string; ms: number; error?: string; end?: OperationState }>[] = [];
  const restartMs: number[] = [];
  const progressMs: number[] = [];
  let noProgress = 0;
  const progressTimeoutMs = o.progressTimeoutMs ?? 180_000;
  let launched = 0;
  let inFlight = 0;

  const runOne = async (stack: string): Promise<{ op: string; stack: string; error?: string }> => {
    const op = (
      await until(
        () => gw.startStackOperation('deploy-stack', stack, 'dev', person('alice')).then((s) => s.operationId),
        120_000,
        `deploy of ${stack} to start`,
      )
    ).toString();
    try {
      // approveOnce: an approval whose answer was lost to a kill may have gone through ("already approved" is success).
      await approveOnce(world, op, 600_000);
      return { op, stack };
    } catch (e) {
      return { op, stack, error: (e as Error).message };
    }
  };
  const launcher = (async () => {
    while (killing && launched < maxOps) {
      if (inFlight < o.concurrency) {
        const stack = stacks[launched++]!;
        inFlight++;
        const t0 = Date.now();
        results.push(
          runOne(stack).then(async (r) => {
            const end = await endState(world, r.op, 900_000);
            inFlight--;
            return { ...r, ms: Date.now() - t0, end };
          }),
        );
      }
      await sleep(200);
    }
  })();

  try {
    let pollingAt = Date.now();
    for (let k = 0; k < o.kills; k++) {
      const w = worker;
      const progressed = await until(
        () => Promise.resolve(w.output().includes('[worker] activity completed: ') ? true : undefined),
        progressTimeoutMs,
        'the restarted worker to complete an activity',
      ).catch(() => false);
      if (progressed) progressMs.push(Date.now() - pollingAt);
      else noProgress++;
      const [lo, hi] = o.intervalMs;
      await sleep(lo + Math.floor(random() * (hi - lo)));
      const killedAt = Date.now();
      await worker.kill9();
      worker = await startWorker(suite, world);
      pollingAt = Date.now();
      restartMs.push(Date.now() - killedAt);
    }
    killing = false;
    await launcher;
    const done = await Promise.all(results);
    let duplicates = 0;
    let lost = 0;
    const problems: string[] = [];
    const operationMs: number[] = [];
    for (const r of done) {
      const end = r.end ?? (await endState(world, r.op, 60_000));
      const f = await checkStackOperation(world, r.op, gw.stackName(r.stack, 'dev'), end, {
        kind: 'deploy',
        outcome: 'succeeded',
      });
      duplicates += f.duplicates;
      lost += f.lost;
      problems.push(...f.problems, ...(r.error ? [`${r.op}: ${r.error}`] : []));
      if (end) operationMs.push(r.ms);
    }
    if (noProgress > 0)
      problems.push(`${noProgress} restarted worker(s) completed no activity within ${progressTimeoutMs} ms`);
    return {
      kills: restartMs.length,
      operations: done.length,
      duplicates,
      lost,
      problems,
      restartMs,
      progressMs,
      noProgress,
      operationMs,
    };
  } finally {
    killing = false;
    await worker.kill9();
    await world.close();
  }
}
