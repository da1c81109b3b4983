import type { ResolvedArtifact } from './artifacts';
import { formatDuration } from './duration';
import type { EnvironmentName } from './environments';
import { ENVIRONMENTS } from './environments';
import type { ActiveFreeze } from './freezes';
import type { SecurityGateResult } from './rollout/types';
import type { VerifyReport } from './verify/report';

/**
 * Promotions (docs/delivery.md): one artifact — an image digest — moves DEV → TST → PRD, each stage only after the
 * same digest ran healthy and verified in the stage before for its soak time. Pure (workflow-safe): the activity
 * `readPromotionEvidence` reads the cluster and the audit trail, `judgePromotion` decides here.
 */

/** The stages in order: an artifact enters at the first (a rollout) and is promoted to each next one. */
export const PROMOTION_ORDER: readonly EnvironmentName[] = ENVIRONMENTS;

/** The stage an artifact must have passed before `env`, or undefined for the first stage (nothing to promote from). */
export function previousStage(env: EnvironmentName): EnvironmentName | undefined {
  const i = PROMOTION_ORDER.indexOf(env);
  return i > 0 ? PROMOTION_ORDER[i - 1] : undefined;
}

/** The stages from the one after `from` up to `to`, in order (`promote … through prd` from dev: tst, prd). */
export function stagesThrough(to: EnvironmentName): EnvironmentName[] {
  return PROMOTION_ORDER.slice(1, PROMOTION_ORDER.indexOf(to) + 1);
}

/** What the previous stage shows of the artifact: read from its cluster and its rollout records. JSON-safe. */
export interface PromotionEvidence {
  readonly from: EnvironmentName;
  /** The colour holding the traffic there and what it runs (`<image>@sha256:…`), read from the Deployment. */
  readonly live?: {
    readonly colour: string;
    readonly image?: string;
    readonly ready: number;
    readonly replicas: number;
  };
  /** When the previous stage's rollout of this digest completed (the audit trail's `completed` record). */
  readonly runningSince?: string;
  /** A rollout of this digest ever completed there (it may have been replaced since). */
  readonly everCompleted: boolean;
  /** `verify service` on the previous stage, now. */
  readonly verification: VerifyReport;
  /** How long an artifact must run in the previous stage before it moves on (the worker's config). */
  readonly soakSeconds: number;
}

/** One precondition of a promotion, as shown on the approval card and in the record. */
export interface PromotionCheck {
  readonly name: 'artifact' | 'previous stage' | 'soak time' | 'verification' | 'security gate' | 'change freeze';
  readonly passed: boolean;
  readonly detail: string;
}

/** Everything a promotion decided before its approval, and what came of it: state, card and CM-3 record. */
export interface PromotionProgress {
  readonly service: string;
  readonly version: string;
  readonly from: EnvironmentName;
  readonly to: EnvironmentName;
  /** The digest promoted (absent when the tag could not be resolved). */
  readonly digest?: string;
  readonly reference?: string;
  readonly checks: readonly PromotionCheck[];
  /** The child rollout, once started: its operation id and how it ended. */
  readonly rollout?: { readonly operationId: string; readonly outcome?: string; readonly message?: string };
}

const ok = (name: PromotionCheck['name'], detail: string): PromotionCheck => ({ name, passed: true, detail });
const no = (name: PromotionCheck['name'], detail: string): PromotionCheck => ({ name, passed: false, detail });

/** Input of `judgePromotion`: what was read, and the workflow's clock. */
export interface JudgePromotionInput {
  readonly service: string;
  readonly to: EnvironmentName;
  readonly artifact: ResolvedArtifact;
  readonly evidence: PromotionEvidence;
  readonly gate: SecurityGateResult;
  readonly freeze: ActiveFreeze | undefined;
  readonly now: number;
}

/**
 * The preconditions, each with its evidence: the same digest live and Ready in the previous stage (a stage it never
 * reached is named as skipped), for its soak time, verified there, the target's security gate, no change freeze.
 */
export function judgePromotion(i: JudgePromotionInput): PromotionCheck[] {
  const { evidence: e, artifact: a } = i;
  const checks: PromotionCheck[] = [ok('artifact', `${a.tag} = ${a.digest} (${a.registry})`)];
  const live = e.live;
  const running = live?.image === a.reference;
  if (running && live && live.ready > 0) {
    checks.push(
      ok('previous stage', `${e.from}: ${live.colour} runs ${a.digest}, ${live.ready}/${live.replicas} Ready`),
    );
  } else if (!e.everCompleted) {
    checks.push(
      no(
        'previous stage',
        `skipped stage: ${a.digest} never ran in ${e.from}; promote ${i.service} ${a.tag} to ${e.from} first`,
      ),
    );
  } else {
    const now = live?.image ? `runs ${live.image}` : 'runs nothing';
    checks.push(
      no(
        'previous stage',
        running
          ? `${e.from}: ${live?.colour ?? '?'} runs ${a.digest} but 0/${live?.replicas ?? 0} Ready`
          : `${a.digest} is not running in ${e.from} (its live colour ${now})`,
      ),
    );
  }
  if (running && e.runningSince) {
    const soakedAt = Date.parse(e.runningSince) + e.soakSeconds * 1000;
    const ran = Math.floor((i.now - Date.parse(e.runningSince)) / 1000);
    checks.push(
      soakedAt <= i.now
        ? ok(
            'soak time',
            `running in ${e.from} since ${e.runningSince} (${formatDuration(ran)}, needs ${formatDuration(e.soakSeconds)})`,
          )
        : no(
            'soak time',
            `running in ${e.from} since ${e.runningSince}, only ${formatDuration(Math.max(0, ran))} of ${formatDuration(e.soakSeconds)}: ` +
              `it can be promoted from ${new Date(soakedAt).toISOString()}`,
          ),
    );
  } else {
    checks.push(no('soak time', `no completed rollout of ${a.digest} in ${e.from} to count its soak time from`));
  }
  const v = e.verification;
  checks.push(
    v.status === 'PASSED'
      ? ok('verification', `verify service ${i.service} ${e.from}: PASSED (${v.checks.length} checks)`)
      : no('verification', `verify service ${i.service} ${e.from}: ${v.status}: ${v.reason ?? v.summary}`),
  );
  checks.push(
    i.gate.passed
      ? ok('security gate', `${i.to}: ${i.gate.summary}`)
      : no('security gate', `${i.to} refuses it: ${i.gate.summary}`),
  );
  checks.push(
    i.freeze
      ? no('change freeze', `change freeze in ${i.to} until ${i.freeze.to}: ${i.freeze.reason}`)
      : ok('change freeze', `no change freeze in ${i.to}`),
  );
  return checks;
}

/** One line per check, ✓ or ✗ first: the approval card, status, and a refusal's message. */
export function checkLines(checks: readonly PromotionCheck[]): string[] {
  return checks.map((c) => `${c.passed ? '✓' : '✗'} ${c.name}: ${c.detail}`);
}

/**
 * The record a promotion leaves in the audit trail (action `promoted`), exportable as a CM-3 change record: who asked,
 * who approved, what digest, from/to, when, the preconditions and the child rollout's outcome.
 */
export interface PromotionRecord {
  readonly operationId: string;
  readonly service: string;
  readonly version: string;
  readonly digest?: string;
  readonly from: EnvironmentName;
  readonly to: EnvironmentName;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly approvedBy: readonly { readonly approver: string; readonly at: string; readonly mfa: boolean }[];
  readonly outcome: string;
  readonly message: string;
  readonly finishedAt: string;
  readonly checks: readonly PromotionCheck[];
  readonly rollout?: PromotionProgress['rollout'];
  /** Temporal Web UI links of the promotion and its rollout, when a UI URL is configured. */
  readonly links?: readonly string[];
}

/** A promotion record as a NIST SP 800-53 CM-3 (configuration change control) change record, in lines. */
export function changeRecordLines(r: PromotionRecord): string[] {
  const approvals = r.approvedBy.length
    ? r.approvedBy.map((a) => `${a.approver} at ${a.at}${a.mfa ? ' (MFA)' : ''}`).join(', ')
    : 'none';
  return [
    `CM-3 change record ${r.operationId} (${r.requestedAt})`,
    `  change: promote ${r.service} ${r.version} ${r.from} → ${r.to}`,
    `  artifact: ${r.digest ?? 'not resolved'}`,
    `  requested by: ${r.requestedBy} at ${r.requestedAt}`,
    `  approved by: ${approvals}`,
    `  outcome: ${r.outcome} at ${r.finishedAt}: ${r.message}`,
    ...(r.rollout ? [`  rollout: ${r.rollout.operationId} ${r.rollout.outcome ?? 'not finished'}`] : []),
    '  preconditions:',
    ...checkLines(r.checks).map((l) => `    ${l}`),
    ...(r.links ?? []).map((l) => `  link: ${l}`),
  ];
}

/** A promotion's card and status: what moves where, each precondition with ✓/✗, and its rollout once it runs. */
export function promotionLines(p: PromotionProgress): string[] {
  return [
    `promote ${p.service} ${p.version}: ${p.from} → ${p.to}${p.digest ? `, digest ${p.digest}` : ''}`,
    ...(p.checks.length ? ['preconditions:', ...checkLines(p.checks).map((l) => `  ${l}`)] : []),
    ...(p.rollout
      ? [`rollout: ${p.rollout.operationId}${p.rollout.outcome ? ` ended ${p.rollout.outcome}` : ' running'}`]
      : []),
  ];
}
