import type { Client, ScheduleOptions } from '@temporalio/client';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { checkPermission } from '../core/commands/policy';
import type { AppConfig } from '../core/config';
import type { ScheduledCheck } from '../core/alerts/alert';
import { SCHEDULED_CHECKS } from '../core/alerts/alert';
import type { CheckSchedule, CheckSchedules } from '../core/check-schedule';
import { DEFAULT_DRIFT_CONFIG } from '../core/drift/settings';
import { stableHash } from '../core/drift/report';
import type { EnvironmentName } from '../core/environments';
import { ENVIRONMENTS } from '../core/environments';
import { taskQueueFor } from '../core/task-queues';
import { PermissionDenied } from '../core/errors';
import type { Requester } from '../core/requester';
import type { ScheduledDriftInput } from '../workflows/alerts';
import type { ScheduledRescanInput } from '../workflows/rescan';
import type { ScheduledCostCheckInput, ScheduledCostReportInput } from '../workflows/cost';
import { DEFAULT_COST_CONFIG } from '../core/cost/settings';
import type { Command } from '../core/commands/types';
import { idleInput, kubernetesDriftTargets, reapSettings, stackNameOf } from './gateway/inputs';
import type { ScheduledReapInput } from '../workflows/reap-schedule';
import { reapRefusal } from '../core/cost/idle';

export { SCHEDULED_CHECKS };
export type { ScheduledCheck };

/**
 * A schedule's id: the check and the environment, within this deployment's task queue (two deployments sharing a
 * Temporal namespace keep their own), e.g. `infra-agent/drift/dev`.
 */
export const scheduleIdOf = (config: AppConfig, check: ScheduledCheck, env: EnvironmentName): string =>
  `${config.temporal.taskQueue}/${check}/${env}`;

/** Who a scheduled check runs as: no person, `via: 'schedule'`; the permission rule lets it run reads only. */
export const scheduleRequester = (check: ScheduledCheck, env: EnvironmentName, scheduleId: string): Requester => ({
  userId: `schedule:${check}-${env}`,
  displayName: `scheduled ${check} check (${env})`,
  via: 'schedule',
  requestId: scheduleId,
});

/**
 * After an outage (Temporal or the worker down), at most this much of missed time is caught up: one run, never
 * a burst (overlap SKIP drops the rest while that run goes on).
 */
export const CATCHUP_WINDOW = '2m';

/**
 * What a scheduled drift check of `env` runs: `drift all` over the catalog's stacks, rollout services and Helm
 * releases, alerts to `alertsChannel`.
 */
export function scheduledDriftInput(config: AppConfig, env: EnvironmentName): ScheduledDriftInput {
  const drift = config.drift ?? DEFAULT_DRIFT_CONFIG;
  // The one permission rule decides what a schedule may run: `drift all` is a read, so it may.
  const requester = allowedRequester(config, 'drift', env, { name: 'drift-all', env });
  const alertsChannel = config.environments[env].slack.alertsChannel;
  const input: ScheduledDriftInput = {
    environment: env,
    region: config.environments[env].region,
    ignore: drift.ignore,
    pollMs: drift.pollMs,
    concurrency: drift.concurrency,
    stacks: Object.keys(config.stacks).map((stack) => ({ stack, stackName: stackNameOf(stack, env) })),
    unchecked: [],
    // Rollout services and Helm releases too (each its own alert, drift/<env>/service-<name>).
    ...(kubernetesDriftTargets(config, env).length ? { kubernetes: kubernetesDriftTargets(config, env) } : {}),
    ...(alertsChannel ? { alertsChannel } : {}),
    requester,
  };
  return input;
}

/** What a scheduled rescan of `env` runs: the rollout services' running images, alerts to `alertsChannel`. */
export function scheduledRescanInput(config: AppConfig, env: EnvironmentName): ScheduledRescanInput {
  const id = scheduleIdOf(config, 'rescan', env);
  const requester = scheduleRequester('rescan', env, id);
  const e = config.environments[env];
  const suffix = e.cluster?.namespaceSuffix ?? '';
  const alertsChannel = e.slack.alertsChannel;
  return {
    environment: env,
    services: Object.values(config.services).map((s) => ({ service: s.name, namespace: `${s.namespace}${suffix}` })),
    ...(alertsChannel ? { alertsChannel } : {}),
    requester,
  };
}

/** Who a scheduled run is, once the one permission rule has said it may run the command it stands for (a read). */
function allowedRequester(config: AppConfig, check: ScheduledCheck, env: EnvironmentName, command: Command): Requester {
  const requester = scheduleRequester(check, env, scheduleIdOf(config, check, env));
  const refusal = checkPermission(command, {
    userId: requester.userId,
    displayName: requester.displayName,
    known: false,
    via: 'schedule',
  });
  if (refusal) throw new PermissionDenied(refusal.message, refusal.kind);
  return requester;
}

/** What runs the weekly report of `env`: `cost {env} 7d` and its chart, to the environment's channel. */
export function scheduledCostReportInput(config: AppConfig, env: EnvironmentName): ScheduledCostReportInput {
  const requester = allowedRequester(config, 'cost-report', env, { name: 'cost', env, period: '7d' });
  const e = config.environments[env];
  const channel = e.slack.channel;
  // The loader refuses cost.schedule.<env> without the channel; a config built in code is told here.
  if (!channel) throw new Error(`cost.schedule.${env}: environments.${env}.slack.channel is not set`);
  return { environment: env, region: e.region, channel, requester };
}

/** What runs the daily cost check of `env`: `cost {env} 30d`, anomalies and the budget, alerts to `alertsChannel`. */
export function scheduledCostCheckInput(config: AppConfig, env: EnvironmentName): ScheduledCostCheckInput {
  const requester = allowedRequester(config, 'cost-check', env, { name: 'cost', env, period: '30d' });
  const cost = config.cost ?? DEFAULT_COST_CONFIG;
  const e = config.environments[env];
  const budget = cost.budget?.[env];
  return {
    environment: env,
    region: e.region,
    rule: cost.anomaly,
    ...(budget !== undefined ? { budget } : {}),
    ...(e.slack.alertsChannel ? { alertsChannel: e.slack.alertsChannel } : {}),
    requester,
  };
}

/**
 * What the scheduled reap of `env` runs: what `idle {env}` finds reapable gets a reap with its notice and Keep button
 * (workflows/reap-schedule.ts). DEV only, in code: a config built without the loader (which refuses
 * `idle.reap.schedule.tst|prd`) is refused here, whatever it says. The reaps run as the schedule: the config entry
 * `idle.reap.schedule.dev` is what allows them, and every deletion still waits out its notice, during which anyone in
 * the user list may keep the resource.
 */
export function scheduledReapInput(config: AppConfig, env: EnvironmentName): ScheduledReapInput {
  const refusal = reapRefusal(env);
  if (refusal) throw new PermissionDenied(`idle.reap.schedule.${env}: ${refusal}`, 'dev-only');
  // The one permission rule: the run's own part is `idle {env}`, a read.
  const requester = allowedRequester(config, 'reap', env, { name: 'idle', env });
  return { environment: env, idle: idleInput(config, env), reap: reapSettings(config, env, requester) };
}

/** Each scheduled check: where its config asks for schedules, its workflow, and that workflow's input. */
const CHECKS: Readonly<
  Record<
    ScheduledCheck,
    {
      readonly wanted: (config: AppConfig) => CheckSchedules | undefined;
      readonly workflowType: string;
      readonly input: (config: AppConfig, env: EnvironmentName) => unknown;
      readonly configPath: string;
    }
  >
> = {
  drift: {
    wanted: (c) => c.drift?.schedule,
    workflowType: 'scheduledDriftWorkflow',
    input: scheduledDriftInput,
    configPath: 'drift.schedule',
  },
  rescan: {
    wanted: (c) => c.security?.rescan?.schedule,
    workflowType: 'scheduledRescanWorkflow',
    input: scheduledRescanInput,
    configPath: 'security.rescan.schedule',
  },
  'cost-report': {
    wanted: (c) => c.cost?.schedule,
    workflowType: 'scheduledCostReportWorkflow',
    input: scheduledCostReportInput,
    configPath: 'cost.schedule',
  },
  'cost-check': {
    wanted: (c) => c.cost?.check,
    workflowType: 'scheduledCostCheckWorkflow',
    input: scheduledCostCheckInput,
    configPath: 'cost.check',
  },
  reap: {
    wanted: (c) => c.idle?.reapSchedule,
    workflowType: 'scheduledReapWorkflow',
    input: scheduledReapInput,
    configPath: 'idle.reap.schedule',
  },
};

/** The config setting that asks for a check's schedule in an environment, e.g. `security.rescan.schedule.prd`. */
export const scheduleSettingOf = (check: ScheduledCheck, env: EnvironmentName): string =>
  `${CHECKS[check].configPath}.${env}`;

function checkSchedule(
  config: AppConfig,
  check: ScheduledCheck,
  env: EnvironmentName,
  s: CheckSchedule,
): ScheduleOptions {
  const id = scheduleIdOf(config, check, env);
  const input = CHECKS[check].input(config, env);
  const spec: ScheduleOptions['spec'] = {
    intervals: [{ every: s.everySeconds * 1000 }],
    jitter: s.jitterSeconds * 1000,
  };
  const taskQueue = taskQueueFor(config, env);
  // The queue is part of what is wanted only when the environment has its own: schedules made before per-environment
  // queues keep their hash (and are not rewritten at every worker start).
  const desired = stableHash(
    JSON.stringify({
      spec,
      input,
      catchup: CATCHUP_WINDOW,
      ...(taskQueue !== config.temporal.taskQueue ? { taskQueue } : {}),
    }),
  );
  return {
    scheduleId: id,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: CHECKS[check].workflowType,
      // The environment's queue: a worker in its account runs the check (core/task-queues.ts).
      taskQueue,
      // Temporal appends the scheduled time: `<schedule id>-2026-12-05T06:00:00Z`.
      workflowId: id,
      args: [input],
      workflowExecutionTimeout: '2h',
      // The config this action was made from (the schedule's own memo cannot be updated; the action's can).
      memo: { configHash: desired },
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW, pauseOnFailure: false },
    state: {
      paused: s.paused === true,
      note: s.paused
        ? `created paused by config (${CHECKS[check].configPath}.<env>.paused)`
        : 'created by the worker at start',
    },
  };
}

export interface ScheduleSync {
  readonly scheduleId: string;
  readonly environment: EnvironmentName;
  readonly result: 'created' | 'updated' | 'unchanged' | 'deleted';
}

/**
 * Creates or updates the Temporal Schedule of every scheduled check the config asks for, and deletes the ones it no
 * longer asks for; run by the worker at start. Idempotent: a second start changes nothing (the config's hash is in
 * the schedule's memo), a changed config updates spec and action in place, keeping whether a person paused it.
 */
export async function ensureSchedules(
  client: Client,
  config: AppConfig,
  environments: readonly EnvironmentName[] = ENVIRONMENTS,
): Promise<ScheduleSync[]> {
  const out: ScheduleSync[] = [];
  for (const check of SCHEDULED_CHECKS)
    for (const env of environments) {
      const r = await ensureSchedule(client, config, check, env);
      if (r) out.push({ scheduleId: scheduleIdOf(config, check, env), environment: env, result: r });
    }
  return out;
}

async function ensureSchedule(
  client: Client,
  config: AppConfig,
  check: ScheduledCheck,
  env: EnvironmentName,
): Promise<ScheduleSync['result'] | undefined> {
  const id = scheduleIdOf(config, check, env);
  const s = CHECKS[check].wanted(config)?.[env];
  const handle = client.schedule.getHandle(id);
  if (!s || !config.environments[env]) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (e) {
      if (!(e instanceof ScheduleNotFoundError)) throw e;
    }
    return undefined;
  }
  const options = checkSchedule(config, check, env, s);
  const hash = (options.action.memo as { configHash: string }).configHash;
  let existing: Awaited<ReturnType<typeof handle.describe>> | undefined;
  try {
    existing = await handle.describe();
  } catch (e) {
    if (!(e instanceof ScheduleNotFoundError)) throw e;
  }
  if (!existing) {
    try {
      await client.schedule.create(options);
      return 'created';
    } catch (e) {
      // Another worker starting at the same moment created it: fall through to compare.
      if (!(e instanceof Error && e.name === 'ScheduleAlreadyRunning')) throw e;
      existing = await handle.describe();
    }
  }
  const action = existing.action as { memo?: Record<string, unknown> };
  if (action.memo?.configHash === hash) return 'unchanged';
  await handle.update((prev) => ({
    ...prev,
    spec: options.spec,
    action: options.action,
    policies: options.policies,
    // A person's pause (or resume) stands across worker starts and config changes.
    state: prev.state,
  }));
  return 'updated';
}
