import { readFileSync } from 'node:fs';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { AppConfig } from '../../core/config';
import { faultInjectionSeams } from '../../test/support/fault-injection';
import type { ComposeSeams } from '../../worker/compose';
import { composeActivities } from '../../worker/compose';
import { createWorker } from '../../worker/create-worker';

/**
 * The fault suite's worker process: the production composition over the scenario's config (a JSON file the
 * suite wrote: its own task queue, stacks and audit file), the prebuilt workflow bundle (a restart takes
 * seconds, not a webpack build), and the test fault injection (test/support/fault-injection.ts) plus one more:
 * FAULTS_KILL_AFTER_ARMED_BY=<SDK command>: the INFRA_AGENT_FAULT_KILL_AFTER kill only fires once that command
 * was sent, so a kill can land in a later phase (e.g. DescribeStackEvents while waiting for the stack, after
 * ExecuteChangeSet) rather than at the command's first use.
 */
async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.env.FAULTS_CONFIG!, 'utf8')) as AppConfig;
  const code = readFileSync(process.env.FAULTS_BUNDLE!, 'utf8');
  const armedBy = process.env.FAULTS_KILL_AFTER_ARMED_BY;
  const killAfter = process.env.INFRA_AGENT_FAULT_KILL_AFTER;
  const base = faultInjectionSeams({ ...process.env, ...(armedBy ? { INFRA_AGENT_FAULT_KILL_AFTER: '' } : {}) });
  const seams: ComposeSeams = armedBy && killAfter ? { ...base, aws: (f) => armedKill(f, armedBy, killAfter) } : base;
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: composeActivities(config, process.env, seams),
    workflowBundle: { code },
    shutdownGraceTime: '1s',
  });
  console.log(`[worker] polling task queue '${config.temporal.taskQueue}' (pid ${process.pid})`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

function armedKill(factory: AwsClientFactory, armedBy: string, killAfter: string): AwsClientFactory {
  let armed = false;
  return {
    ...factory,
    cloudFormation: (t) => {
      const client = factory.cloudFormation(t);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          // Armed and fired whether the call succeeded or failed: a DescribeStacks of a stack that does not exist
          // yet answers ValidationError, and the kill must still land right after it.
          try {
            return await next(args);
          } finally {
            if (context.commandName === armedBy) armed = true;
            else if (armed && context.commandName === killAfter) {
              console.error(`[fault-injection] ${killAfter} after ${armedBy}; killing worker pid ${process.pid}`);
              process.kill(process.pid, 'SIGKILL');
            }
          }
        },
        { step: 'initialize', name: 'faultSuiteArmedKill' },
      );
      return client;
    },
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
