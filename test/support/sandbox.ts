import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { AppConfig } from '../../core/config';
import { composeActivities } from '../../worker/compose';
import { loadConfig } from '../../worker/config-loader';
import { createWorker } from '../../worker/create-worker';
import { connectClient } from '../../worker/temporal-connection';

/** The sandbox config pointed at the test sandbox, with a task queue of the test's own. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  const base = loadConfig({ ...process.env, INFRA_AGENT_TASK_QUEUE: `test-${randomUUID()}` });
  return { ...base, ...overrides };
}

export interface RunningWorker {
  readonly worker: Worker;
  stop(): Promise<void>;
}

/** Starts an in-process worker on the config's task queue. */
export async function startWorker(config: AppConfig, activities?: Activities): Promise<RunningWorker> {
  const { worker, connection }: { worker: Worker; connection: NativeConnection } = await createWorker({
    temporal: config.temporal,
    activities: activities ?? composeActivities(config),
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

export async function testClient(config: AppConfig): Promise<Client> {
  return connectClient(config.temporal);
}
