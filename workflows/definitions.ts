import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChangeFreeze, EnvironmentName } from '../core/environments';
import type { OperationPolicy } from '../core/operation-policy';
import type { ApprovalRecord, OperationState } from '../core/operations';
import type { Requester } from '../core/requester';
import type { HelmWriteRequest } from '../core/k8s/request';
import type { RolloutPolicy, ServiceTarget, TrafficSpec } from '../core/rollout/types';

/** What every approvable operation (stack change, rollout, rollback) is started with. */
export interface OperationBaseInput {
  /** Also the workflow id (`stack/<env>/<name>`, `rollout/<env>/<service>`): the lock. */
  readonly operationId: string;
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly requester: Requester;
  /**
   * Ignored since the worker decides the policy (`resolveApprovalPolicy`, patch `approval-policy-from-worker`):
   * read only when replaying runs that started before, whose client sent it. Clients need not send it.
   */
  readonly approval?: OperationPolicy['approval'];
  /** As `approval`: ignored for new runs, which take the change freezes from the worker's config. */
  readonly changeFreezes?: readonly ChangeFreeze[];
  /**
   * Where progress is posted (Slack): the channel, and the thread to post into when the request came from one.
   * The workflow posts the status message itself and keeps its ts in workflow state. Absent: no notifications.
   */
  readonly notify?: NotifyTarget;
}

/** Everything a stack operation needs, fixed at start and therefore recorded in history. */
export interface StackOperationInput extends OperationBaseInput {
  readonly stack: {
    /** Catalog name, e.g. `vpc`. */
    readonly name: string;
    /** CloudFormation stack name, e.g. `dev-vpc`. */
    readonly stackName: string;
    /** Template path relative to the infra folder. */
    readonly templatePath: string;
  };
  /** Parameters offered to the template (only declared ones are passed): Environment, Owner, IaCVersion, … */
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  /** The environment's deploy role: approved mutations run as the approver under it (just-in-time, M4). */
  readonly deployRoleArn?: string;
  /** How long after the approval new credentials may still be issued. Default 2 h. */
  readonly grantSeconds?: number;
  /** Knobs for tests and slow accounts; defaults suit real AWS. */
  readonly tuning?: {
    readonly pollMs?: number;
    /** startToClose of mutating calls (execute, delete); a lost attempt is retried after this. Default 1m. */
    readonly mutatingCallTimeoutMs?: number;
  };
}

/** A Slack conversation an operation reports into. */
export interface NotifyTarget {
  readonly channel: string;
  /** Post the status message as a reply in this thread (e.g. under an @mention) instead of at top level. */
  readonly threadTs?: string;
  /** The environment's on-call channel: an operation that fails is raised there too. */
  readonly alertsChannel?: string;
}

/** An approval attempt. `mfaVerified` is set by the front end after step-up verification, never a code. */
export interface ApproveArgs {
  readonly approver: string;
  readonly artifactId: string;
  readonly via: Requester['via'];
  readonly mfaVerified: boolean;
}

export interface RejectArgs {
  readonly by: string;
  readonly reason: string;
  readonly via: Requester['via'];
}

export interface CancelArgs {
  readonly by: string;
}

/** The operation's current state (phase, preview, approvals, outcome). */
export const stateQuery = defineQuery<OperationState>('state');
/** Approve the pending artifact. The validator refuses before anything reaches history. */
export const approveUpdate = defineUpdate<OperationState, [ApproveArgs]>('approve');
/** Reject the pending artifact, with a reason. */
export const rejectUpdate = defineUpdate<OperationState, [RejectArgs]>('reject');
/** Cancel before execution starts; refused once the change is executing. */
export const cancelUpdate = defineUpdate<OperationState, [CancelArgs]>('cancel');

/** A blue/green rollout of one service version, or a rollback to the colour kept from the last one. */
export interface RolloutInput extends OperationBaseInput {
  readonly kind: 'rollout' | 'rollback';
  readonly target: ServiceTarget;
  readonly service: {
    readonly name: string;
    /** Image repository, e.g. ghcr.io/example/payments-api. */
    readonly image: string;
    readonly port: number;
    readonly replicas: number;
  };
  /** Rollouts only: the tag asked for. The image run is `<service.image>:<version>`. */
  readonly version?: string;
  readonly policy: RolloutPolicy;
  readonly traffic: TrafficSpec;
  /** The environment's deploy role: approved AWS traffic changes (ALB) run as the approver under it. */
  readonly deployRoleArn?: string;
  /** How long after the approval new credentials may be issued (covers the rollout's time budget). */
  readonly grantSeconds?: number;
  /** Knobs for tests: poll interval of readiness waits. */
  readonly tuning?: { readonly pollMs?: number };
  /**
   * Set by a promotion for its child rollout (workflows/promote.ts): the digest the promotion checked and had approved
   * (the tag must still name it, else the rollout fails closed), and the promotion's approvals, which stand for the
   * rollout's own only when the rollout's parent workflow is that promotion.
   */
  readonly promotion?: PromotedRollout;
}

/** What a promotion hands its child rollout. */
export interface PromotedRollout {
  /** The promotion's operation id: the child's parent workflow id must be this. */
  readonly operationId: string;
  readonly digest: string;
  readonly approvals: readonly ApprovalRecord[];
}

/** Who pauses, resumes or aborts a rollout, and from where. */
export interface ControlArgs {
  readonly by: string;
  readonly via: Requester['via'];
}

/** Hold the rollout at its current traffic split after the running step. */
export const pauseUpdate = defineUpdate<OperationState, [ControlArgs]>('pause');
/** Continue a paused rollout. */
export const resumeUpdate = defineUpdate<OperationState, [ControlArgs]>('resume');
/** Stop the rollout: all traffic back to the old colour, the new one scaled down. */
export const abortUpdate = defineUpdate<OperationState, [ControlArgs]>('abort');

/** An approved Helm install, upgrade or rollback of a catalog release. */
export interface HelmReleaseInput extends OperationBaseInput {
  /** The release's request, namespace resolved; charts and values come from the config's releases catalog. */
  readonly request: HelmWriteRequest;
  /** Knobs for tests: start-to-close of the helm write (helm --wait can take minutes). Default 15m. */
  readonly tuning?: { readonly writeTimeoutMs?: number };
}

/** `reap {resource} dev`: one idle resource, a notice period, then its deletion (DEV only). */
export interface ReapInput extends OperationBaseInput {
  readonly resourceId: string;
  /** Seconds of notice in the channel before the deletion (config idle.reap.notice). */
  readonly noticeSeconds: number;
  /** Keep tags keep-until now + this (config idle.reap.keep). */
  readonly keepSeconds: number;
}

/** Who keeps a resource from the reaper, and from where. */
export interface KeepArgs {
  readonly by: string;
  readonly via: Requester['via'];
}

/** Keep the resource during the reap's notice: tagged keep-until, and the reap ends without deleting. */
export const keepUpdate = defineUpdate<OperationState, [KeepArgs]>('keep');

/** `promote {service} {version} to {env}`: the checks, the approval, then the rollout as a child (workflows/promote.ts). */
export interface PromoteInput extends OperationBaseInput {
  readonly service: string;
  /** The tag asked for; resolved to its digest in the target environment's registry. */
  readonly version: string;
  /** The stage before `environment`, where the same digest must run. */
  readonly from: EnvironmentName;
  /**
   * The service there: where its live colour is read, by a worker of that environment (its task queue: a worker
   * serving only the target environment holds no credentials for the previous one). Absent: the promotion's queue.
   */
  readonly previous: { readonly target: ServiceTarget; readonly traffic: TrafficSpec; readonly taskQueue?: string };
  /** The child rollout's input in the target environment, as `rollout` would start it (its id is its lock). */
  readonly rollout: RolloutInput;
}
