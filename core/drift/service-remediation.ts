import type { Colour } from '../rollout/types';
import type { KubernetesDriftReport, ServiceLiveState } from './kubernetes';
import { parseEnv } from './kubernetes';

/**
 * `remediate service`: what to put back on each drifted colour — the image, replica count and env vars the last
 * rollout recorded on the Deployment (`infra-agent/applied-*`). Pure (workflow-safe): the workflow builds it from
 * the state it read, shows it on the approval card, and hands it to the write activity as recorded input.
 */

/** One colour's Deployment as the last rollout applied it. JSON-safe. */
export interface ColourRestore {
  readonly colour: Colour;
  /** `<service>-<colour>`. */
  readonly name: string;
  readonly image: string;
  readonly replicas: number;
  readonly env: Readonly<Record<string, string>>;
  /** What the approver sees: `path: live → applied`, one line per drifted field. */
  readonly lines: readonly string[];
}

/** The restore plan, and the drifted colours it cannot put back (a deleted Deployment has no record left). */
export interface ServiceRestorePlan {
  readonly colours: readonly ColourRestore[];
  readonly notRestorable: readonly string[];
}

/** The colours `report` found MODIFIED, with what `state` says their last rollout applied. */
export function serviceRestorePlan(report: KubernetesDriftReport, state: ServiceLiveState): ServiceRestorePlan {
  const colours: ColourRestore[] = [];
  const notRestorable: string[] = [];
  for (const r of report.resources) {
    if (r.status !== 'MODIFIED' && r.status !== 'DELETED') continue;
    const live = state.colours.find((c) => c.name === r.logicalId);
    const rec = live?.recorded;
    if (r.status === 'DELETED' || !live || !rec?.image) {
      notRestorable.push(`${r.logicalId}: ${r.reason ?? 'nothing recorded to put back'} (roll the service out again)`);
      continue;
    }
    colours.push({
      colour: live.colour,
      name: live.name,
      image: rec.image,
      replicas: rec.replicas !== undefined ? Number(rec.replicas) : (live.replicas ?? 1),
      env: parseEnv(rec.env) ?? {},
      lines: r.differences.map((d) => `${d.path}: ${d.actual} → ${d.expected}`),
    });
  }
  return { colours, notRestorable };
}
