import type { Client, ScheduleOptions } from '@temporalio/client';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { checkPermission } from '../core/commands/policy';
import type { AppConfig } from '../core/config';
import type { CheckSchedule } from '../core/drift/settings';
import { DEFAULT_DRIFT_CONFIG } from '../core/drift/settings';
import { stableHash } from '../core/drift/report';
import type { EnvironmentName } from '../core/environments';
import { ENVIRONMENTS } from '../core/environments';
import { PermissionDenied } from '../core/errors';
import type { Requester } from '../core/requester';
import type { ScheduledDriftInput } from '../workflows/alerts';
import { stackNameOf } from './gateway/inputs';

/** The scheduled checks there are (drift today; security rescans and cost anomalies take the same shape). */
export const SCHEDULED_CHECKS = ['drift'] as const;
export type ScheduledCheck = (typeof SCHEDULED_CHECKS)[number];

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

/** What a scheduled drift check of `env` runs: `drift all` over the catalog's stacks, alerts to `alertsChannel`. */
export function scheduledDriftInput(config: AppConfig, env: EnvironmentName): ScheduledDriftInput {
  const id = scheduleIdOf(config, 'drift', env);
  const drift = config.drift ?? DEFAULT_DRIFT_CONFIG;
  const requester = scheduleRequester('drift', env, id);
  // The one permission rule decides what a schedule may run: `drift all` is a read, so it may.
  const refusal = checkPermission(
    { name: 'drift-all', env },
    { userId: requester.userId, displayName: requester.displayName, known: false, via: 'schedule' },
  );
  if (refusal) throw new PermissionDenied(refusal.message, refusal.kind);
  const alertsChannel = config.environments[env].slack.alertsChannel;
  const input: ScheduledDriftInput = {
    environment: env,
    region: config.environments[env].region,
    ignore: drift.ignore,
    pollMs: drift.pollMs,
    concurrency: drift.concurrency,
    stacks: Object.keys(config.stacks).map((stack) => ({ stack, stackName: stackNameOf(stack, env) })),
    unchecked: [],
    ...(alertsChannel ? { alertsChannel } : {}),
    requester,
  };
  return input;
}

function driftSchedule(config: AppConfig, env: EnvironmentName, s: CheckSchedule): ScheduleOptions {
  const id = scheduleIdOf(config, 'drift', env);
  const input = scheduledDriftInput(config, env);
  const spec: ScheduleOptions['spec'] = {
    intervals: [{ every: s.everySeconds * 1000 }],
    jitter: s.jitterSeconds * 1000,
  };
  const desired = stableHash(JSON.stringify({ spec, input, catchup: CATCHUP_WINDOW }));
  return {
    scheduleId: id,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledDriftWorkflow',
      taskQueue: config.temporal.taskQueue,
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
      note: s.paused ? 'created paused by config (drift.schedule.<env>.paused)' : 'created by the worker at start',
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
export async function ensureSchedules(client: Client, config: AppConfig): Promise<ScheduleSync[]> {
  const out: ScheduleSync[] = [];
  const wanted = config.drift?.schedule ?? {};
  for (const env of ENVIRONMENTS) {
    const id = scheduleIdOf(config, 'drift', env);
    const s = wanted[env];
    const handle = client.schedule.getHandle(id);
    if (!s || !config.environments[env]) {
      try {
        await handle.delete();
        out.push({ scheduleId: id, environment: env, result: 'deleted' });
      } catch (e) {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      }
      continue;
    }
    const options = driftSchedule(config, env, s);
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
        out.push({ scheduleId: id, environment: env, result: 'created' });
        continue;
      } catch (e) {
        // Another worker starting at the same moment created it: fall through to compare.
        if (!(e instanceof Error && e.name === 'ScheduleAlreadyRunning')) throw e;
        existing = await handle.describe();
      }
    }
    const action = existing.action as { memo?: Record<string, unknown> };
    if (action.memo?.configHash === hash) {
      out.push({ scheduleId: id, environment: env, result: 'unchanged' });
      continue;
    }
    await handle.update((prev) => ({
      ...prev,
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      // A person's pause (or resume) stands across worker starts and config changes.
      state: prev.state,
    }));
    out.push({ scheduleId: id, environment: env, result: 'updated' });
  }
  return out;
}
