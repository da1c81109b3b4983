import type { ArtifactPolicy } from './artifacts';
import type { TrafficSpec } from './rollout/types';
/** The environments infra-agent knows. Every message names the one it acts on. */
export const ENVIRONMENTS = ['dev', 'tst', 'prd'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export function isEnvironmentName(value: string): value is EnvironmentName {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** Who may approve changes in an environment, and how. The requester may never approve: that is not configurable. */
export interface ApprovalPolicy {
  /** Approver user ids (the config's `users` keys). */
  readonly users: readonly string[];
  /** Approver groups; a user in any of them may approve. */
  readonly groups: readonly string[];
  /** Distinct approvals needed. Default 1. */
  readonly required: number;
  /** An approval not given within this many seconds fails closed (the change is discarded). */
  readonly expirySeconds: number;
  /** Step-up MFA required for each approval (PRD). */
  readonly mfa: boolean;
}

/**
 * When changes are refused (core/freezes.ts): a fixed window (ISO timestamps), a weekly window in a time zone
 * (`from: Fri 16:00`, `to: Mon 08:00`), or a whole day in a time zone (a holiday, `date: 2026-12-25`).
 */
export type ChangeFreeze =
  | { readonly kind?: 'window'; readonly from: string; readonly to: string; readonly reason: string }
  | {
      readonly kind: 'weekly';
      readonly from: string;
      readonly to: string;
      readonly timeZone: string;
      readonly reason: string;
    }
  | { readonly kind: 'date'; readonly date: string; readonly timeZone: string; readonly reason: string };

/** One environment: where it lives, who approves, where it talks. Passed into workflows as data. */
export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** 12-digit AWS account id. */
  readonly account: string;
  readonly region: string;
  /** Role the worker assumes for changes; undefined means the worker's own credentials (sandbox). */
  readonly deployRoleArn?: string;
  /**
   * The Temporal task queue this environment's work runs on (default `temporal.taskQueue`): its own queue lets a
   * worker in its account serve it alone (core/task-queues.ts, INFRA_AGENT_WORKER_SERVES).
   */
  readonly taskQueue?: string;
  readonly cluster?: ClusterConfig;
  readonly slack: { readonly channel?: string; readonly alertsChannel?: string };
  readonly approval: ApprovalPolicy;
  readonly changeFreezes: readonly ChangeFreeze[];
  /** Registry to resolve tags to digests, and which tags are refused as mutable (docs/delivery.md). */
  readonly artifacts: ArtifactPolicy;
  /**
   * How long an artifact must run healthy here before `promote` moves it to the next stage (config `soak`; default
   * 10m in dev, 1h in tst; prd is the last stage).
   */
  readonly soakSeconds: number;
  /** Parameters offered to every stack in this environment (e.g. Owner, SecurityLevel). */
  readonly stackParameters: Readonly<Record<string, string>>;
}

/** The environment's Kubernetes cluster (config `environments.<env>.cluster`). */
export interface ClusterConfig {
  readonly name: string;
  /** The context in the kubeconfig; the agent refuses any other. */
  readonly kubeContext: string;
  /** Kubeconfig file; default: the worker's KUBECONFIG (first file) or ~/.kube/config. */
  readonly kubeconfig?: string;
  /**
   * Appended to every service namespace in this environment (`payments` + `-dev`). For clusters shared by
   * several environments, like the sandbox's one local cluster; empty for a cluster per environment.
   */
  readonly namespaceSuffix: string;
  /** How rollouts shift traffic here: Istio VirtualService weights (default) or ALB weighted target groups. */
  readonly traffic: TrafficSpec;
}

/** A person infra-agent knows: the key is their id in approvals and audit records. */
export interface UserConfig {
  readonly id: string;
  readonly displayName: string;
  readonly groups: readonly string[];
  readonly slack?: { readonly userId: string; readonly teamId?: string };
}
