import type { PromotionProgress } from './promotion';
import type { VerifyReport } from './verify/report';
import type { EnvironmentName } from './environments';
import type { Requester } from './requester';
import type { ValidationFinding } from './validation';
import type {
  AnalysisMeasurement,
  AnalysisSpec,
  Colour,
  SecurityGateResult,
  TrafficSpec,
  TrafficWeights,
} from './rollout/types';

/** Where an operation is in its life. Shown to people, so each phase reads as plain English in messages. */
export type OperationPhase =
  | 'validating'
  | 'creating-change-set'
  | 'awaiting-approval'
  | 'executing'
  | 'waiting-for-stack'
  | 'verifying'
  | 'cleaning-up'
  // Helm releases:
  | 'diffing'
  // Rollouts (blue/green):
  | 'security-gate'
  | 'deploying'
  | 'waiting-ready'
  | 'shifting-traffic'
  | 'analysing'
  | 'paused'
  | 'baking'
  | 'scaling-down'
  | 'rolling-back'
  // The reaper: the notice period in the channel (Keep stops it).
  | 'notice'
  // Promotions: the preconditions read and judged, then the child rollout.
  | 'checking-preconditions'
  | 'promoting'
  | 'done';

/** How an operation ended. Rejection, expiry and "no changes" are outcomes, not errors. */
export type OperationOutcome =
  | 'succeeded'
  | 'no-changes'
  | 'rejected'
  | 'expired'
  | 'cancelled'
  | 'validation-failed'
  | 'frozen'
  | 'failed'
  /** A rollout whose analysis failed (or that was aborted) and whose traffic went back to the old colour. */
  | 'rolled-back'
  | 'aborted';

/** One resource in a change set preview. */
export interface ResourceChange {
  readonly action: 'Add' | 'Modify' | 'Remove' | 'Import' | 'Dynamic';
  readonly logicalId: string;
  readonly resourceType: string;
  readonly physicalId?: string;
  /** `True` means the resource will be replaced (a new physical resource, the old one deleted). */
  readonly replacement?: 'True' | 'False' | 'Conditional';
  /** Which parts of the resource change (Properties, Tags, …). */
  readonly scope?: readonly string[];
  /**
   * A drift-aware (REVERT_DRIFT) change set's property changes, one line each: the property path, live value →
   * the template's value, and what reverting does (`/SecurityGroupIngress/1: {…} → (none)  (remove)`).
   */
  readonly revert?: readonly string[];
}

/** What will change: the artifact an approval is bound to. */
export interface ChangePreview {
  /** The change set id (ARN), or for a delete the stack id: approvals name exactly this. */
  readonly artifactId: string;
  readonly stackName: string;
  readonly changeSetName?: string;
  readonly changes: readonly ResourceChange[];
  /** Helm hooks that would run (`pre-upgrade Job ns/migrate`): shown apart, not changes to the release. */
  readonly hooks?: readonly string[];
  /** sha256 of the template body, for the audit trail. */
  readonly templateHash?: string;
}

/** One accepted approval. */
export interface ApprovalRecord {
  readonly approver: string;
  readonly at: string;
  readonly artifactId: string;
  readonly via: Requester['via'];
  readonly mfa: boolean;
}

/** One CloudFormation stack event, trimmed for chat. */
export interface StackEventSummary {
  readonly at: string;
  readonly logicalId: string;
  readonly resourceType: string;
  readonly status: string;
  readonly reason?: string;
}

/** The state of an operation, as the `state` query returns it. JSON-safe. */
export interface OperationState {
  readonly operationId: string;
  readonly kind:
    | 'deploy-stack'
    | 'delete-stack'
    | 'remediate-stack'
    | 'remediate-service'
    | 'rollout'
    | 'rollback'
    | 'helm-release'
    | 'reap'
    | 'promotion';
  readonly environment: EnvironmentName;
  readonly target: string;
  readonly requester: Requester;
  readonly startedAt: string;
  readonly phase: OperationPhase;
  readonly findings: readonly ValidationFinding[];
  readonly preview?: ChangePreview;
  readonly approvalsRequired: number;
  readonly approvals: readonly ApprovalRecord[];
  /** ISO time after which a pending approval fails closed. */
  readonly approvalDeadline?: string;
  readonly rejection?: { readonly by: string; readonly reason: string; readonly at: string };
  readonly outcome?: OperationOutcome;
  readonly message?: string;
  readonly stackStatus?: string;
  readonly events: readonly StackEventSummary[];
  /** Stack deploys with security.scanStackTemplates: trivy config's verdict on the template. */
  readonly configGate?: SecurityGateResult;
  /** Rollouts and rollbacks only: colours, traffic, analyses. */
  readonly rollout?: RolloutProgress;
  /** Promotions only: from/to, the digest, each precondition with its evidence, the child rollout. */
  readonly promotion?: PromotionProgress;
  /** Stack deploys that succeeded (`verify-after-deploy`): the verification of what was deployed. */
  readonly verification?: VerifyReport;
}

/** One analysis judged during a rollout. */
export interface AnalysisRecord {
  /** Traffic share on the new colour when judged (the bake is judged at 100). */
  readonly percent: number;
  readonly stage: 'step' | 'bake' | 'ready';
  readonly at: string;
  readonly passed: boolean;
  readonly measurements: readonly AnalysisMeasurement[];
  /** No verdict: a provider could not measure (e.g. the Kubernetes API was down); never counted as a failure. */
  readonly inconclusive?: boolean;
}

/** Where a blue/green rollout (or rollback) is: shown in previews, status and the thread. */
export interface RolloutProgress {
  readonly service: string;
  readonly namespace: string;
  /** The tag asked for (rollouts) and the full image. */
  readonly version?: string;
  readonly image?: string;
  /**
   * The digest the tag resolved to when the rollout was requested (docs/delivery.md): what is approved and deployed
   * (`image` is then `<repository>@<digest>`). Absent when the environment has no registry (`artifactNote` says so).
   */
  readonly digest?: string;
  /** Why the tag was not pinned to a digest (no registry configured for the environment). */
  readonly artifactNote?: string;
  /** The colour holding the traffic before, and the one receiving it. */
  readonly fromColour: Colour;
  readonly toColour: Colour;
  /** What the old colour runs (the rollback target). */
  readonly previousImage?: string;
  readonly traffic: TrafficSpec['kind'];
  readonly steps: readonly number[];
  /** Timing and analysis providers of the policy, for the preview. */
  readonly policy?: {
    readonly stepSeconds: number;
    readonly bakeSeconds: number;
    readonly timeBudgetSeconds: number;
    readonly analysis: readonly AnalysisSpec[];
  };
  /** Index into steps of the last step whose traffic was set; -1 before the first. */
  readonly stepIndex: number;
  readonly weights: TrafficWeights;
  readonly securityGate?: SecurityGateResult;
  readonly analyses: readonly AnalysisRecord[];
  readonly paused: boolean;
  readonly pausedBy?: string;
  /** Set by the watchdog when the rollout runs past its time budget. */
  readonly overdueSince?: string;
  /**
   * What needs a person now, while the operation waits on its own (a traffic restore that keeps failing, an analysis
   * that cannot measure); raised on call when set, cleared when it resolves.
   */
  readonly attention?: string;
}

/** Human-readable summary lines for a preview: counts by action, and warnings for replacements. */
export function summarizeChanges(changes: readonly ResourceChange[]): { counts: string; warnings: string[] } {
  const count = (a: ResourceChange['action']): number => changes.filter((c) => c.action === a).length;
  const counts = `${count('Add')} to add, ${count('Modify')} to modify, ${count('Remove')} to remove`;
  const warnings = changes
    .filter((c) => c.replacement === 'True' || c.replacement === 'Conditional')
    .map(
      (c) =>
        `${c.logicalId} (${c.resourceType}) will ${c.replacement === 'True' ? 'be REPLACED' : 'possibly be replaced'}: ` +
        'a new resource is created and the old one deleted',
    );
  return { counts, warnings };
}

/** Each phase in plain words, for every front end (terminal, Slack). */
export const PHASE_TEXT: Readonly<Record<OperationPhase, string>> = {
  validating: 'validating the template (cfn-lint, NIST guard rules, mandatory tags)',
  'creating-change-set': 'computing the change set',
  'awaiting-approval': 'waiting for approval',
  executing: 'executing the approved change',
  'waiting-for-stack': 'waiting for the stack to settle',
  verifying: 'verifying what was deployed (a stack: resources, outputs, EC2 lookups; a service: the live colour Ready)',
  'cleaning-up': 'discarding the change set',
  diffing: 'computing what the chart changes (helm template vs the deployed release)',
  'security-gate': 'checking the image (security gate)',
  deploying: 'deploying the new colour',
  'waiting-ready': 'waiting for the new colour to be Ready',
  'shifting-traffic': 'shifting traffic',
  analysing: 'analysing the new colour under traffic',
  paused: 'paused (resume or abort it)',
  baking: 'baking: the new colour carries all traffic',
  'scaling-down': 'scaling the old colour down (kept for fast rollback)',
  'rolling-back': 'rolling back: traffic returns to the old colour',
  notice: 'notice period: it is deleted at the deadline unless someone keeps it',
  'checking-preconditions':
    'checking the preconditions (previous stage, soak time, verification, security gate, freezes)',
  promoting: 'promoting: the rollout runs as part of the promotion',
  done: 'done',
};
