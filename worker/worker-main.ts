import { redactConfig } from '../core/config';
import { composeActivities } from './compose';
import { ConfigError, loadConfig } from './config-loader';
import { createWorker } from './create-worker';
import { ensureSchedules } from './schedules';
import { closeStateStores, openStateStores } from './state-compose';
import { connectClient } from './temporal-connection';

/** `infra-agent worker`: polls the task queue until SIGINT/SIGTERM, then lets running activities finish. */
export async function runWorker(): Promise<void> {
  const config = loadConfig();
  if (process.env.INFRA_AGENT_PRINT_CONFIG === '1') console.log(JSON.stringify(redactConfig(config), null, 2));
  // The shared state store answers (PostgreSQL: connected and migrated) before the worker takes any task.
  await openStateStores(config).ready();
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: composeActivities(config),
  });
  // Scheduled checks (config drift.schedule): created or brought in line with the config, idempotently, at each start.
  const client = await connectClient(config.temporal);
  try {
    for (const s of await ensureSchedules(client, config))
      console.log(`[worker] schedule ${s.scheduleId}: ${s.result}`);
  } finally {
    await client.connection.close();
  }
  console.log(
    `[worker] polling task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (pid ${process.pid})`,
  );
  try {
    await worker.run(); // the SDK installs SIGINT/SIGTERM handlers that call shutdown()
  } finally {
    await connection.close();
    await closeStateStores();
  }
}

if (require.main === module) {
  runWorker().catch((e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(1);
  });
}
