import type { AppConfig } from './config';
import type { EnvironmentName } from './environments';
import { ENVIRONMENTS, isEnvironmentName } from './environments';

/**
 * Task queues: where each piece of work runs. Everything an environment's commands do — its operations, reads,
 * scheduled checks, their activities — runs on that environment's queue (`environments.<env>.taskQueue`, default
 * `temporal.taskQueue`), so a worker in the PRD account, holding only PRD's credentials, can serve PRD alone.
 * Work that belongs to no environment (language requests, alerts, scans of an image, waivers) runs on the general
 * queue, `temporal.taskQueue`. With no per-environment queue configured, all of it is one queue, as before.
 */
type QueueConfig = Pick<AppConfig, 'temporal' | 'environments'>;

/** What a worker can be asked to serve: an environment, or the general queue. */
export type WorkerScope = EnvironmentName | 'general';
export const WORKER_SCOPES: readonly WorkerScope[] = [...ENVIRONMENTS, 'general'];

/** The queue an environment's work runs on; the general queue without an environment. */
export function taskQueueFor(config: QueueConfig, env?: EnvironmentName): string {
  return (env && config.environments[env]?.taskQueue) || config.temporal.taskQueue;
}

/**
 * The environment a workflow id belongs to. Every environment-scoped workflow id is `<kind>/<env>/…`
 * (`stack/prd/vpc`, `drift/dev/vpc/<request>`, `whoami/tst/<request>`); anything else is general.
 */
export function environmentOfWorkflowId(id: string): EnvironmentName | undefined {
  const second = id.split('/')[1];
  return second !== undefined && isEnvironmentName(second) ? second : undefined;
}

/** The queue a workflow with this id runs on. */
export const taskQueueOfWorkflowId = (config: QueueConfig, id: string): string =>
  taskQueueFor(config, environmentOfWorkflowId(id));

/** Every queue of this deployment, the general one first. */
export function allTaskQueues(config: QueueConfig): string[] {
  return [...new Set([config.temporal.taskQueue, ...ENVIRONMENTS.map((e) => taskQueueFor(config, e))])];
}

/** One queue a worker polls, and what it serves there. */
export interface ServedQueue {
  readonly taskQueue: string;
  readonly environments: readonly EnvironmentName[];
  readonly general: boolean;
}

/**
 * What a worker serves (`INFRA_AGENT_WORKER_SERVES`, e.g. `prd` or `dev,tst,general`; default everything) → the
 * queues it polls. A queue shared by a served and an unserved scope is refused: the worker would pick up work it
 * was told not to serve (give that environment its own queue).
 */
export function servedQueues(
  config: QueueConfig,
  serves: readonly WorkerScope[] = WORKER_SCOPES,
): { ok: true; queues: ServedQueue[] } | { ok: false; problem: string } {
  const queueOf = (s: WorkerScope) => (s === 'general' ? config.temporal.taskQueue : taskQueueFor(config, s));
  const byQueue = new Map<string, WorkerScope[]>();
  for (const s of WORKER_SCOPES) byQueue.set(queueOf(s), [...(byQueue.get(queueOf(s)) ?? []), s]);
  const queues: ServedQueue[] = [];
  for (const [taskQueue, scopes] of byQueue) {
    const mine = scopes.filter((s) => serves.includes(s));
    if (mine.length === 0) continue;
    const others = scopes.filter((s) => !serves.includes(s));
    if (others.length > 0)
      return {
        ok: false,
        problem:
          `task queue '${taskQueue}' carries ${scopes.join(', ')}, but this worker serves only ${mine.join(', ')}: ` +
          `it would also pick up ${others.join(', ')} work. Give ${others.length === 1 ? 'it' : 'them'} a queue of ` +
          `${others.length === 1 ? 'its' : 'their'} own (environments.<env>.taskQueue), or serve ${others.join(', ')} too.`,
      };
    queues.push({
      taskQueue,
      environments: mine.filter((s): s is EnvironmentName => s !== 'general'),
      general: mine.includes('general'),
    });
  }
  return { ok: true, queues };
}

/** Parses `INFRA_AGENT_WORKER_SERVES` (comma-separated scopes); undefined or empty means everything. */
export function parseWorkerServes(
  raw: string | undefined,
): { ok: true; serves: WorkerScope[] } | { ok: false; problem: string } {
  if (!raw?.trim()) return { ok: true, serves: [...WORKER_SCOPES] };
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !(WORKER_SCOPES as readonly string[]).includes(s));
  if (bad.length > 0)
    return {
      ok: false,
      problem: `INFRA_AGENT_WORKER_SERVES: '${bad.join("', '")}' is not one of ${WORKER_SCOPES.join(', ')} (e.g. INFRA_AGENT_WORKER_SERVES=prd)`,
    };
  return { ok: true, serves: [...new Set(items as WorkerScope[])] };
}
