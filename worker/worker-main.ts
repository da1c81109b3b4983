import { Runtime } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { AppConfig } from '../core/config';
import { redactConfig } from '../core/config';
import { composeActivities } from './compose';
import { ConfigError, loadConfig } from './config-loader';
import { createWorker } from './create-worker';
import { startHealthServer, stateDirCheck, temporalCheck } from './ops/health';
import type { Logger } from './ops/logger';
import { temporalLogger } from './ops/logger';
import type { ProcessLogging } from './ops/process';
import { onShutdownSignal, setUpProcessLogging } from './ops/process';
import { ensureSchedules } from './schedules';
import { connectClient } from './temporal-connection';

/** `infra-agent worker`: polls the task queue until SIGINT/SIGTERM, then lets running activities finish. */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const logging = setUpProcessLogging('worker', config, env);
  try {
    if (env.INFRA_AGENT_PRINT_CONFIG === '1') logging.logger.info('configuration', { config: redactConfig(config) });
    // Scheduled checks (config drift.schedule): created or brought in line with the config, idempotently, at each start.
    const client = await connectClient(config.temporal);
    try {
      for (const s of await ensureSchedules(client, config))
        logging.logger.info(`schedule ${s.scheduleId}: ${s.result}`, { scheduleId: s.scheduleId });
    } finally {
      await client.connection.close();
    }
    await serveWorker({ config, activities: composeActivities(config), logging });
  } finally {
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
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: props.activities,
    shutdownGraceTime: `${ops.shutdown.graceSeconds}s`,
  });
  const health = await startHealthServer({
    component: 'worker',
    port: ops.health.port,
    address: ops.health.address,
    checks: [
      {
        name: 'worker',
        check: () => {
          const state = worker.getState();
          return state === 'RUNNING'
            ? Promise.resolve()
            : Promise.reject(new Error(`the worker is ${state}, not polling`));
        },
      },
      temporalCheck(connection, config.temporal.address),
      stateDirCheck(config.audit.path),
    ],
  }).catch(async (e: unknown) => {
    await connection.close();
    throw e;
  });
  logger.info(`health on ${health.url} (/healthz, /readyz)`, { healthPort: health.port });
  const removeSignals = onShutdownSignal(logger, (signal) => {
    logger.info(`${signal}: draining (running activities have ${ops.shutdown.graceSeconds}s to finish)`);
    health.drain(`${signal} received: draining`);
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  logger.info(`polling task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (pid ${process.pid})`, {
    taskQueue: config.temporal.taskQueue,
  });
  try {
    await worker.run();
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
      console.error(e instanceof ConfigError ? e.message : e);
      process.exit(1);
    },
  );
}
