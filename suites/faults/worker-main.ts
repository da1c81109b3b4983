import { closeSync, openSync, readFileSync } from 'node:fs';
import { Context } from '@temporalio/activity';
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
 * FAULTS_KILL_IN_ACTIVITY=<activity type> (e.g. waitForStackStable): the kill only fires for a command sent by that
 * activity, so it lands on whichever worker runs that step (with two workers on a queue, the one that executed the
 * change set need not be the one that waits for the stack).
 * FAULTS_KILL_ONCE_FILE=<path>: the kill fires in the first process that creates that file, and in no other: a
 * standby worker carrying the same fault takes the killed step over instead of dying on its retry.
 * Every completed activity prints `[worker] activity completed: <type>` (the random-kill run's progress signal).
 */
async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.env.FAULTS_CONFIG!, 'utf8')) as AppConfig;
  const code = readFileSync(process.env.FAULTS_BUNDLE!, 'utf8');
  const armedBy = process.env.FAULTS_KILL_AFTER_ARMED_BY;
  const inActivity = process.env.FAULTS_KILL_IN_ACTIVITY;
  const onceFile = process.env.FAULTS_KILL_ONCE_FILE;
  const killAfter = process.env.INFRA_AGENT_FAULT_KILL_AFTER;
  const own = Boolean(killAfter && (armedBy || inActivity || onceFile));
  const base = faultInjectionSeams({ ...process.env, ...(own ? { INFRA_AGENT_FAULT_KILL_AFTER: '' } : {}) });
  const seams: ComposeSeams =
    own && killAfter ? { ...base, aws: (f) => armedKill(f, { armedBy, inActivity, onceFile, killAfter }) } : base;
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: reportingCompletions(composeActivities(config, process.env, seams)),
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

/**
 * Each activity that completes prints one line: the random-kill run times its next kill from this worker's first
 * completed activity (progress), not from its start, so a crash-looping schedule never starves every operation.
 */
function reportingCompletions<T extends object>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] =
      typeof fn === 'function'
        ? async (...args: unknown[]) => {
            const result: unknown = await (fn as (...a: unknown[]) => Promise<unknown>).apply(activities, args);
            console.log(`[worker] activity completed: ${name}`);
            return result;
          }
        : fn;
  }
  return wrapped as T;
}

interface KillRule {
  readonly killAfter: string;
  readonly armedBy: string | undefined;
  readonly inActivity: string | undefined;
  readonly onceFile: string | undefined;
}

function currentActivity(): string | undefined {
  try {
    return Context.current().info.activityType;
  } catch {
    return undefined; // not inside an activity
  }
}

/** True for the first process to claim the once-file (O_EXCL), false for every other. */
function claim(path: string): boolean {
  try {
    closeSync(openSync(path, 'wx'));
    return true;
  } catch {
    return false;
  }
}

function armedKill(factory: AwsClientFactory, rule: KillRule): AwsClientFactory {
  let armed = !rule.armedBy;
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
            if (rule.armedBy && context.commandName === rule.armedBy) armed = true;
            else if (
              armed &&
              context.commandName === rule.killAfter &&
              (!rule.inActivity || currentActivity() === rule.inActivity) &&
              (!rule.onceFile || claim(rule.onceFile))
            ) {
              const why = [rule.armedBy && `after ${rule.armedBy}`, rule.inActivity && `in ${rule.inActivity}`]
                .filter(Boolean)
                .join(' ');
              console.error(`[fault-injection] ${rule.killAfter} ${why}; killing worker pid ${process.pid}`);
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
