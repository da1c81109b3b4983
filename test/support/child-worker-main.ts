import { composeActivities } from '../../worker/compose';
import { loadConfig } from '../../worker/config-loader';
import { createWorker } from '../../worker/create-worker';
import { faultInjectionSeams } from './fault-injection';

/**
 * The test composition of a worker process: the production composition plus the fault injection its
 * environment asks for. Started by child-worker.ts; prints the line it waits for once polling.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: composeActivities(config, process.env, faultInjectionSeams(process.env)),
  });
  console.log(
    `[worker] polling task queue '${config.temporal.taskQueue}' on ${config.temporal.address} (pid ${process.pid})`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
