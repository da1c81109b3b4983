import type { Client } from '@temporalio/client';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { AuditLog } from '../../core/audit';
import type { ScheduleSummary } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import { formatDuration } from '../../core/duration';
import type { EnvironmentName } from '../../core/environments';
import { ENVIRONMENTS } from '../../core/environments';
import { InvalidInput } from '../../core/errors';
import type { Requester } from '../../core/requester';
import type { ScheduledCheck } from '../schedules';
import { SCHEDULED_CHECKS, scheduleIdOf, scheduleSettingOf } from '../schedules';

const ms = (d: unknown): number | undefined =>
  typeof d === 'number' ? d : typeof d === 'string' && /^\d+$/.test(d) ? Number(d) : undefined;

/**
 * `schedules`, `pause schedule {check} {env}`, `resume schedule {check} {env}`: the Temporal Schedules the worker
 * made from config (worker/schedules.ts), read and paused/resumed through the Temporal client. A pause is a
 * decision (known users, audited); the worker keeps it across restarts and config changes.
 */
export class Schedules {
  constructor(
    private readonly client: Client,
    private readonly config: AppConfig,
    private readonly audit: AuditLog,
  ) {}

  private async summary(check: ScheduledCheck, env: EnvironmentName): Promise<ScheduleSummary | undefined> {
    const id = scheduleIdOf(this.config, check, env);
    try {
      const d = await this.client.schedule.getHandle(id).describe();
      const every = ms(d.spec.intervals?.[0]?.every);
      const last = d.info.recentActions.at(-1);
      const next = d.info.nextActionTimes[0];
      return {
        scheduleId: id,
        check,
        environment: env,
        paused: d.state.paused,
        ...(d.state.note ? { note: d.state.note } : {}),
        ...(every ? { every: formatDuration(every / 1000) } : {}),
        ...(next && !d.state.paused ? { nextRunAt: next.toISOString() } : {}),
        ...(last ? { lastRunAt: last.takenAt.toISOString() } : {}),
      };
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return undefined;
      throw e;
    }
  }

  async list(): Promise<ScheduleSummary[]> {
    const all = await Promise.all(
      SCHEDULED_CHECKS.flatMap((check) => ENVIRONMENTS.map((env) => this.summary(check, env))),
    );
    return all.filter((s): s is ScheduleSummary => s !== undefined);
  }

  async setPaused(
    check: ScheduledCheck,
    env: EnvironmentName,
    paused: boolean,
    who: Requester,
  ): Promise<ScheduleSummary> {
    const before = await this.summary(check, env);
    if (!before) {
      throw new InvalidInput(
        `schedule: there is no ${check} schedule in ${env}; add ${scheduleSettingOf(check, env)} (every, jitter) to the worker's config and restart the worker`,
      );
    }
    const handle = this.client.schedule.getHandle(before.scheduleId);
    const note = `${paused ? 'paused' : 'resumed'} by ${who.userId} (${who.via}) at ${new Date().toISOString()}`;
    if (paused && !before.paused) await handle.pause(note);
    if (!paused && before.paused) await handle.unpause(note);
    await this.audit.append({
      key: `schedule|${before.scheduleId}|${who.requestId}|${paused ? 'pause' : 'resume'}`,
      action: paused ? 'schedule-paused' : 'schedule-resumed',
      actor: who.userId,
      operationId: `schedule/${check}/${env}`,
      environment: env,
      target: before.scheduleId,
      details: { via: who.via, wasPaused: before.paused },
    });
    return (await this.summary(check, env)) ?? before;
  }
}
