import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { AppConfig } from '../core/config';
import { redactConfig } from '../core/config';
import { parseWorkerServes, servedQueues } from '../core/task-queues';
import { composeActivities } from './compose';
import { ConfigError, loadConfig } from './config-loader';
import { createWorker } from './create-worker';
import { startHealthServer, storeCheck, temporalCheck } from './ops/health';
import type { Logger } from './ops/logger';
import { temporalLogger } from './ops/logger';
import type { ProcessLogging } from './ops/process';
import { onShutdownSignal, setUpProcessLogging } from './ops/process';
import { ensureSchedules } from './schedules';
import { closeStateStores, openStateStores } from './state-compose';
import { connectClient, temporalConnectionOptions } from './temporal-connection';

/**
 * `infra-agent worker`: polls its task queues until SIGINT/SIGTERM, then lets running activities finish. What it
 * serves comes from INFRA_AGENT_WORKER_SERVES (e.g. `prd`, or `dev,tst,general`; default everything): one
 * poller per queue those environments use (core/task-queues.ts), over one connection.
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const logging = setUpProcessLogging('worker', config, env);
  try {
    if (env.INFRA_AGENT_PRINT_CONFIG === '1') logging.logger.info('configuration', { config: redactConfig(config) });
    const serves = parseWorkerServes(env.INFRA_AGENT_WORKER_SERVES);
    if (!serves.ok) throw new Error(serves.problem);
    const served = servedQueues(config, serves.serves);
    if (!served.ok) throw new Error(served.problem);
    const environments = served.queues.flatMap((q) => q.environments);
    // The shared state store answers (PostgreSQL: connected and migrated) before the worker takes any task.
    await openStateStores(config, env).ready();
    const activities = composeActivities(config, env, { servedEnvironments: environments });
    // Scheduled checks of the environments served here: created or brought in line with the config, idempotently.
    const client = await connectClient(config.temporal);
    try {
      for (const s of await ensureSchedules(client, config, environments))
        logging.logger.info(`schedule ${s.scheduleId}: ${s.result}`, { scheduleId: s.scheduleId });
    } finally {
      await client.connection.close();
    }
    await serveWorker({
      config,
      activities,
      logging,
      queues: served.queues.map((q) => ({
        taskQueue: q.taskQueue,
        serves: [...q.environments, ...(q.general ? ['general'] : [])].join(', '),
      })),
    });
  } finally {
    await closeStateStores();
    logging.restore();
  }
}

/** Temporal's Runtime, once per process: its logs through `logger`; signals are the worker main's to handle. */
export function installTemporalRuntime(logger: Logger): void {
  try {
    Runtime.install({
      logger: temporalLogger(logger.child({ component: 'temporal' })),
      shutdownSignals: [],
      telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
    });
  } catch {
    // Already installed in this process (a test composing twice): the first one's logger stays.
  }
}

export interface ServeWorkerProps {
  readonly config: AppConfig;
  readonly activities: Activities;
  readonly logging: ProcessLogging;
  /** The queues to poll, one Worker each over one connection; default `temporal.taskQueue`. */
  readonly queues?: readonly { readonly taskQueue: string; readonly serves?: string }[];
}

/**
 * A worker process's life: the health server (`/readyz`: the worker RUNNING, Temporal answering, the state folder
 * writable), polling, and on SIGTERM/SIGINT a drain — `/readyz` goes 503 first, the worker stops polling, running
 * activities get `shutdown.graceTime` to finish (then they are cancelled, and Temporal retries them elsewhere),
 * and the process returns normally (exit 0).
 */
export async function serveWorker(props: ServeWorkerProps): Promise<void> {
  const { config, logging } = props;
  const { logger, ops } = logging;
  installTemporalRuntime(logger);
  const queues = props.queues ?? [{ taskQueue: config.temporal.taskQueue }];
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const workers: Worker[] = [];
  try {
    for (const q of queues)
      workers.push(
        (
          await createWorker({
            temporal: config.temporal,
            activities: props.activities,
            connection,
            taskQueue: q.taskQueue,
            shutdownGraceTime: `${ops.shutdown.graceSeconds}s`,
          })
        ).worker,
      );
  } catch (e) {
    await connection.close();
    throw e;
  }
  const health = await startHealthServer({
    component: 'worker',
    port: ops.health.port,
    address: ops.health.address,
    checks: [
      {
        name: 'worker',
        check: () => {
          const stopped = workers
            .map((w, i) => [queues[i]?.taskQueue, w.getState()])
            .filter(([, s]) => s !== 'RUNNING');
          return stopped.length === 0
            ? Promise.resolve()
            : Promise.reject(
                new Error(stopped.map(([q, s]) => `the worker of '${q}' is ${s}, not polling`).join('; ')),
              );
        },
      },
      temporalCheck(connection, config.temporal.address),
      storeCheck(config),
    ],
  }).catch(async (e: unknown) => {
    await connection.close();
    throw e;
  });
  logger.info(`health on ${health.url} (/healthz, /readyz)`, { healthPort: health.port });
  const removeSignals = onShutdownSignal(logger, (signal) => {
    logger.info(`${signal}: draining (running activities have ${ops.shutdown.graceSeconds}s to finish)`);
    health.drain(`${signal} received: draining`);
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  });
  for (const q of queues)
    logger.info(
      `polling task queue '${q.taskQueue}'${q.serves ? ` (${q.serves})` : ''} on ${config.temporal.address} (pid ${process.pid})`,
      { taskQueue: q.taskQueue },
    );
  try {
    await Promise.all(workers.map((w) => w.run()));
    logger.info('worker stopped: every activity finished or was handed back');
  } finally {
    removeSignals();
    await health.close();
    await connection.close();
  }
}

if (require.main === module) {
  runWorker().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof ConfigError ? e.message : e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
