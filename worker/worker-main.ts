import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import { redactConfig } from '../core/config';
import { parseWorkerServes, servedQueues } from '../core/task-queues';
import { composeActivities } from './compose';
import { ConfigError, loadConfig } from './config-loader';
import { createWorker } from './create-worker';
import { ensureSchedules } from './schedules';
import { connectClient, temporalConnectionOptions } from './temporal-connection';

/**
 * `infra-agent worker`: polls its task queues until SIGINT/SIGTERM, then lets running activities finish. What it
 * serves comes from INFRA_AGENT_WORKER_SERVES (e.g. `prd`, or `dev,tst,general`; default everything): one
 * poller per queue those environments use (core/task-queues.ts), over one connection.
 */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  if (process.env.INFRA_AGENT_PRINT_CONFIG === '1') console.log(JSON.stringify(redactConfig(config), null, 2));
  const serves = parseWorkerServes(process.env.INFRA_AGENT_WORKER_SERVES);
  if (!serves.ok) throw new Error(serves.problem);
  const served = servedQueues(config, serves.serves);
  if (!served.ok) throw new Error(served.problem);
  const environments = served.queues.flatMap((q) => q.environments);
  const activities = composeActivities(config, process.env, { servedEnvironments: environments });
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const workers: Worker[] = [];
  try {
    for (const q of served.queues)
      workers.push(
        (await createWorker({ temporal: config.temporal, activities, connection, taskQueue: q.taskQueue })).worker,
      );
    // Scheduled checks of the environments served here: created or brought in line with the config, idempotently.
    const client = await connectClient(config.temporal);
    try {
      for (const s of await ensureSchedules(client, config, environments))
        console.log(`[worker] schedule ${s.scheduleId}: ${s.result}`);
    } finally {
      await client.connection.close();
    }
    for (const q of served.queues)
      console.log(
        `[worker] polling task queue '${q.taskQueue}' (${[...q.environments, ...(q.general ? ['general'] : [])].join(', ')}) ` +
          `on ${config.temporal.address} (pid ${process.pid})`,
      );
    // The SDK installs SIGINT/SIGTERM handlers that shut every worker of this process down.
    await Promise.all(workers.map((w) => w.run()));
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().catch((e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
