import type { AlertRecord } from '../../core/alerts/alert';
import type { ScheduleSummary } from '../../core/commands/results';

/** `schedules` (and pause/resume): one line per scheduled check. */
export function renderSchedules(
  schedules: readonly ScheduleSummary[],
  action?: 'paused' | 'resumed',
): { headline: string; body: string } {
  const lines = schedules.map(
    (s) =>
      `${s.check} ${s.environment} (${s.scheduleId}): ${s.paused ? 'PAUSED' : 'running'}` +
      (s.every ? `, every ${s.every}` : '') +
      (s.nextRunAt ? `, next ${s.nextRunAt}` : '') +
      (s.lastRunAt ? `, last ${s.lastRunAt}` : ', not run yet') +
      (s.note ? ` — ${s.note}` : ''),
  );
  const one = schedules[0];
  const headline =
    action && one
      ? `${action} the ${one.check} schedule of ${one.environment}${action === 'paused' ? ' — no scheduled checks until `resume schedule ' + one.check + ' ' + one.environment + '`' : ''}`
      : schedules.length
        ? `${schedules.length} scheduled check${schedules.length === 1 ? '' : 's'}`
        : 'no scheduled checks: add drift.schedule.<env> (every, jitter) to the config (docs/drift.md)';
  return { headline, body: lines.join('\n') };
}

function alertLine(a: AlertRecord): string {
  const state =
    a.status === 'acknowledged' && a.acknowledged
      ? `acknowledged by ${a.acknowledged.by}: ${a.acknowledged.reason}`
      : a.status === 'snoozed' && a.snoozed
        ? `snoozed by ${a.snoozed.by} ${a.snoozed.for === 'until-changed' ? 'until it changes' : `until ${a.snoozed.until ?? '?'}`}: ${a.snoozed.reason}`
        : a.status;
  return `${a.key} — ${state}\n  ${a.headline}${a.fingerprint ? ` (drift id ${a.fingerprint})` : ''}`;
}

/** `alerts` (and acknowledge/snooze): one entry per alert that is not resolved. */
export function renderAlerts(
  alerts: readonly AlertRecord[],
  action?: 'acknowledged' | 'snoozed',
): { headline: string; body: string } {
  const one = alerts[0];
  const headline =
    action && one
      ? `${action} ${one.key}`
      : alerts.length
        ? `${alerts.length} alert${alerts.length === 1 ? '' : 's'} not resolved`
        : 'no open alerts';
  return { headline, body: alerts.map(alertLine).join('\n') };
}
