import { isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AlertDecisionInput, RaiseAlertResult } from '../activities/alerts';
import type { AlertRecord } from '../core/alerts/alert';
import type { EnvironmentDriftReport } from '../core/drift/report';
import type { Requester } from '../core/requester';
import { notifyActivity, shortActivity } from './activity-options';
import type { EnvironmentDriftInput } from './drift';
import { environmentDriftWorkflow, KUBERNETES_DRIFT_PATCH } from './drift';
import { kubernetesSubject } from '../core/drift/kubernetes';

const { raiseDriftAlert } = proxyActivities<Activities>(notifyActivity);
const { decideAlertActivity, listAlerts } = proxyActivities<Activities>(shortActivity);

/** Input of the scheduled drift check: recorded by the worker in the Schedule's action when it starts. */
export interface ScheduledDriftInput extends EnvironmentDriftInput {
  /** The environment's `slack.alertsChannel` (absent: alert state is kept, nothing posted). */
  readonly alertsChannel?: string;
  /** `via: 'schedule'`: who the check runs as (a read; see checkPermission). */
  readonly requester: Requester;
}

export interface ScheduledDriftResult {
  readonly report: EnvironmentDriftReport;
  /** Per checked stack: what its alert did (post, update, resolve, none). */
  readonly alerts: readonly ({ readonly stack: string } & RaiseAlertResult)[];
}

/**
 * A scheduled drift check of an environment (Temporal Schedule `drift-<env>`): `drift all`, then one alert per
 * drifted stack through the shared alert activity (deduplicated by the drift id), and a resolve for a stack that
 * is clean again. Stacks that could not be checked raise nothing (they are in the report).
 */
export async function scheduledDriftWorkflow(input: ScheduledDriftInput): Promise<ScheduledDriftResult> {
  const report = await environmentDriftWorkflow(input);
  const alerts: ({ stack: string } & RaiseAlertResult)[] = [];
  for (const stack of report.stacks) {
    try {
      const r = await raiseDriftAlert({
        report: stack,
        ...(input.alertsChannel ? { channel: input.alertsChannel } : {}),
      });
      alerts.push({ stack: stack.stack, ...r });
    } catch (e) {
      // Slack down for longer than the notify retries: the next run alerts (the state was not changed).
      if (isCancellation(e)) throw e;
      alerts.push({ stack: stack.stack, action: 'none', why: `the alert could not be sent: ${(e as Error).message}` });
    }
  }
  // Services and releases drifted or clean raise or resolve their own alert (`drift/<env>/service-<name>`); one
  // that could not be checked raises nothing. Only runs whose `drift all` checked them (the same patch) get here.
  if (report.kubernetes?.length && patched(KUBERNETES_DRIFT_PATCH)) {
    for (const k of report.kubernetes) {
      if (k.status === 'NOT_CHECKED') continue;
      const subject = kubernetesSubject(k);
      try {
        const r = await raiseDriftAlert({
          report: k,
          ...(input.alertsChannel ? { channel: input.alertsChannel } : {}),
        });
        alerts.push({ stack: subject, ...r });
      } catch (e) {
        if (isCancellation(e)) throw e;
        alerts.push({ stack: subject, action: 'none', why: `the alert could not be sent: ${(e as Error).message}` });
      }
    }
  }
  return { report, alerts };
}

/** `acknowledge alert …` / `snooze alert …`: a person's decision on an alert, audited (who, why). */
export async function alertDecisionWorkflow(input: AlertDecisionInput): Promise<AlertRecord> {
  return decideAlertActivity(input);
}

/** `alerts`: the alerts that are open, acknowledged or snoozed. */
export async function listAlertsWorkflow(): Promise<AlertRecord[]> {
  return listAlerts();
}
