import type { AuditLog } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import type { EnvironmentName } from '../../core/environments';
import { ToolMissing } from '../../core/errors';
import { formatOperationId } from '../../core/operation-id';
import type { PromotionEvidence } from '../../core/promotion';
import type { ServiceTarget, TrafficSpec } from '../../core/rollout/types';
import { buildServiceVerifyReport } from '../../core/verify/service';
import type { RolloutDeps } from '../rollout/deps';
import { readServiceState } from '../rollout/service-state';

/** What reading a promotion's evidence needs: the cluster, the audit trail and the worker's soak times. */
export interface PromotionEvidenceDeps {
  readonly rollout?: RolloutDeps;
  readonly audit: AuditLog;
  readonly policyConfig: Pick<AppConfig, 'environments'>;
}

/** Input of `readPromotionEvidence`: the previous stage's service and the digest reference looked for there. */
export interface ReadPromotionEvidenceInput {
  readonly from: EnvironmentName;
  readonly target: ServiceTarget;
  readonly traffic: TrafficSpec;
  /** `<image>@sha256:…`: what the previous stage must run. */
  readonly reference: string;
}

/**
 * What the previous stage shows of an artifact (reads only, safe to retry): its live colour (the one holding the
 * traffic) as the cluster has it, `verify service` judged on the same read, and from the audit trail the last
 * completed rollout of exactly this digest reference there (the start of its soak). The soak time is the worker's.
 */
export async function readPromotionEvidence(
  deps: PromotionEvidenceDeps,
  input: ReadPromotionEvidenceInput,
): Promise<PromotionEvidence> {
  if (!deps.rollout) throw new ToolMissing('promotions need a cluster: add environments.<env>.cluster to the config');
  const state = await readServiceState(deps.rollout, { target: input.target, traffic: input.traffic });
  const weights = state.weights;
  const liveColour = weights ? (weights.green > weights.blue ? 'green' : 'blue') : undefined;
  const live = state.colours.find((c) => c.colour === liveColour && c.exists);
  const records = await deps.audit.forOperation(formatOperationId('rollout', input.from, input.target.service));
  const completed = records.filter(
    (r) => r.action === 'completed' && (r.details as { image?: unknown } | undefined)?.image === input.reference,
  );
  const last = completed[completed.length - 1];
  return {
    from: input.from,
    ...(live
      ? {
          live: {
            colour: live.colour,
            ...(live.image ? { image: live.image } : {}),
            ready: live.readyReplicas ?? 0,
            replicas: live.replicas ?? 0,
          },
        }
      : {}),
    ...(last ? { runningSince: last.at } : {}),
    everCompleted: completed.length > 0,
    verification: buildServiceVerifyReport(input.from, state),
    soakSeconds: deps.policyConfig.environments[input.from]?.soakSeconds ?? 0,
  };
}

export function createPromotionActivities(deps: PromotionEvidenceDeps) {
  return {
    readPromotionEvidence: (input: ReadPromotionEvidenceInput) => readPromotionEvidence(deps, input),
  };
}
