import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RaiseAlertResult } from '../activities/alerts';
import type { EnvironmentName } from '../core/environments';
import type { Requester } from '../core/requester';
import type { EnvironmentRescan, RescannedImage, RunningImage, ServiceRescan } from '../core/security/rescan';
import { rescanFinding } from '../core/security/rescan';
import { heartbeatToolActivity, notifyActivity, shortActivity } from './activity-options';

const { readColours } = proxyActivities<Activities>(shortActivity);
// trivy is a read: retried like the other tools; a scan it refuses comes back as the image's `error`.
const { rescanImage } = proxyActivities<Activities>(heartbeatToolActivity);
const { raiseAlert } = proxyActivities<Activities>(notifyActivity);

/** Input of the scheduled rescan: recorded by the worker in the Schedule's action when it starts. */
export interface ScheduledRescanInput {
  readonly environment: EnvironmentName;
  /** The catalog's rollout services, with the namespace resolved for this environment's cluster. */
  readonly services: readonly { readonly service: string; readonly namespace: string }[];
  /** The environment's `slack.alertsChannel` (absent: alert state is kept, nothing posted). */
  readonly alertsChannel?: string;
  /** `via: 'schedule'` for the Schedule's runs, the person for `rescan {env}`: who the rescan runs as (a read). */
  readonly requester: Requester;
}

/** Per service: its scans and what its alert did (post, update, resolve, none). */
export type ScheduledRescanResult = EnvironmentRescan;

/**
 * A rescan of an environment: the Schedule's run (`<queue>/rescan/<env>`), or `rescan {env}` typed by a person
 * (`rescan/<env>/<request id>`, the same workflow and input with the person as requester). The images the rollout
 * services' live Deployments run, each scanned once against the current DB, then one alert per service through the shared
 * alert activity — a new unwaived CRITICAL posts, the same one again does nothing, none left resolves it.
 */
export async function scheduledRescanWorkflow(input: ScheduledRescanInput): Promise<ScheduledRescanResult> {
  const env = input.environment;
  const running = new Map<string, { running: RunningImage[]; error?: string }>();
  for (const s of input.services) {
    try {
      const c = await readColours({ target: { environment: env, service: s.service, namespace: s.namespace } });
      const live = [c.blue, c.green].filter((x) => x.exists && x.replicas > 0 && x.image);
      running.set(s.service, { running: live.map((x) => ({ colour: x.colour, image: x.image ?? '' })) });
    } catch (e) {
      if (isCancellation(e)) throw e;
      running.set(s.service, { running: [], error: `its Deployments could not be read: ${(e as Error).message}` });
    }
  }
  // Each image once, however many services or colours run it.
  const scanned = new Map<string, RescannedImage>();
  for (const image of [...new Set([...running.values()].flatMap((r) => r.running.map((x) => x.image)))].sort())
    scanned.set(image, await rescanImage({ image, environment: env }));

  const services: ServiceRescan[] = [];
  const alerts: ({ service: string } & RaiseAlertResult)[] = [];
  const checkedAt = workflowInfo().runStartTime.toISOString();
  for (const s of input.services) {
    const r = running.get(s.service) ?? { running: [] };
    const images = [...new Set(r.running.map((x) => x.image))].flatMap((i) => scanned.get(i) ?? []);
    const rescan: ServiceRescan = { ...s, running: r.running, images, ...(r.error ? { error: r.error } : {}) };
    services.push(rescan);
    const finding = rescanFinding(env, rescan, checkedAt);
    if (!finding) {
      alerts.push({ service: s.service, action: 'none', why: r.error ?? 'an image could not be scanned' });
      continue;
    }
    try {
      const a = await raiseAlert({ finding, ...(input.alertsChannel ? { channel: input.alertsChannel } : {}) });
      alerts.push({ service: s.service, ...a });
    } catch (e) {
      // Slack down for longer than the notify retries: the next run alerts (the state was not changed).
      if (isCancellation(e)) throw e;
      alerts.push({ service: s.service, action: 'none', why: `the alert could not be sent: ${(e as Error).message}` });
    }
  }
  return { environment: env, services, alerts };
}
