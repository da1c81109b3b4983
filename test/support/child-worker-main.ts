import { composeActivities } from '../../worker/compose';
import { loadConfig } from '../../worker/config-loader';
import { setUpProcessLogging } from '../../worker/ops/process';
import { serveWorker } from '../../worker/worker-main';
import { faultInjectionSeams } from './fault-injection';

/**
 * The test composition of a worker process: the production worker (health server, SIGTERM drain, logging) with
 * the fault injection its environment asks for. Started by child-worker.ts, which waits for its 'polling' line.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logging = setUpProcessLogging('worker', config);
  await serveWorker({
    config,
    activities: composeActivities(config, process.env, faultInjectionSeams(process.env)),
    logging,
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
