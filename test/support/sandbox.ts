import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { DefaultLogger, Runtime, bundleWorkflowCode } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { AppConfig, StackConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { composeActivities } from '../../worker/compose';
import { loadConfig } from '../../worker/config-loader';
import { createWorker } from '../../worker/create-worker';
import { connectClient } from '../../worker/temporal-connection';

try {
  // Worker state changes at INFO drown test output; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed in this jest worker process */
}

/** The sandbox config pointed at the test sandbox, with a task queue of the test's own. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  const base = loadConfig({ ...process.env, INFRA_AGENT_TASK_QUEUE: `test-${randomUUID()}` });
  return { ...base, ...overrides };
}

/** Adds catalog stacks pointing at test fixture templates. */
export function withFixtureStacks(config: AppConfig, stacks: Record<string, string>): AppConfig {
  const extra: Record<string, StackConfig> = {};
  for (const [name, fixture] of Object.entries(stacks))
    extra[name] = { name, template: join(__dirname, '..', 'fixtures', fixture) };
  return { ...config, stacks: { ...config.stacks, ...extra } };
}

export interface RunningWorker {
  readonly worker: Worker;
  stop(): Promise<void>;
}

let bundle: Promise<{ code: string }> | undefined;
/** One workflow bundle per test file (webpack takes a few seconds). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  return bundle;
}

/** Starts an in-process worker on the config's task queue. */
export async function startWorker(config: AppConfig, activities?: Activities): Promise<RunningWorker> {
  const { worker, connection }: { worker: Worker; connection: NativeConnection } = await createWorker({
    temporal: config.temporal,
    activities: activities ?? composeActivities(config),
    shutdownGraceTime: '1s',
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  await untilPolling(config, running);
  return {
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * Waits until Temporal has seen the worker poll its task queue for workflow and activity tasks, so a test's first
 * command does not race the worker's first poll (the gateway refuses commands while no worker polls). Gives up
 * quietly after 30 s (a test that stopped the server on purpose sees its own error), or at once if the worker ended.
 */
async function untilPolling(config: AppConfig, running: Promise<void>): Promise<void> {
  let ended = false;
  void running.then(
    () => (ended = true),
    () => (ended = true),
  );
  const client = await connectClient(config.temporal).catch(() => undefined);
  if (!client) return;
  try {
    const deadline = Date.now() + 30_000;
    while (!ended && Date.now() < deadline) {
      const seen = await Promise.all(
        [1, 2].map((taskQueueType) =>
          client.workflowService
            .describeTaskQueue({
              namespace: config.temporal.namespace,
              taskQueue: { name: config.temporal.taskQueue, kind: 1 },
              taskQueueType,
            })
            .then((r) => (r.pollers ?? []).length > 0)
            .catch(() => false),
        ),
      );
      if (seen.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.connection.close();
  }
}

export async function testClient(config: AppConfig): Promise<Client> {
  return connectClient(config.temporal);
}

/**
 * The task queue of the workflow with this id, or undefined when none exists. Workflow ids such as
 * `rollout/prd/payments-api` are shared by every test file on one Temporal server, and jest runs files side by side:
 * a test that proves "nothing started" must ask about its own task queue, never about the id alone.
 */
export async function taskQueueOf(client: Client, workflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).taskQueue;
  } catch (e) {
    if (e instanceof Error && /not found/i.test(e.message)) return undefined;
    throw e;
  }
}

/** A terminal identity for tests. */
export function person(userId: string): Requester {
  return { userId, displayName: userId, via: 'cli', requestId: randomUUID() };
}

/** Thrown by a check to stop `eventually` at once: waiting longer cannot help (e.g. the operation ended). */
export class EndedEarly extends Error {
  override readonly name = 'EndedEarly';
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` (or at once on EndedEarly). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof EndedEarly) throw e;
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}
