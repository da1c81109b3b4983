import type { AlertRecord } from '../alerts/alert';
import type { AuditRecord } from '../audit';
import type { KubernetesDriftReport } from '../drift/kubernetes';
import type { EnvironmentDriftReport, StackDriftReport } from '../drift/report';
import type { EnvironmentName } from '../environments';
import type { LogExport } from '../k8s/log-export';
import type { HelmReadResult, K8sReadResult } from '../k8s/results';
import type { OperationState } from '../operations';
import type { PromotionRecord } from '../promotion';
import type { CostChart, CostReport } from '../cost/report';
import type { IdleReport } from '../cost/idle';
import type { AllocationReport } from '../cost/allocation';
import type { FreezesReport } from '../freezes';
import type { ScanResult } from '../security/findings';
import type { WaiverView } from '../security/waivers';
import type { ValidationReport } from '../validation';
import type { VerifyReport } from '../verify/report';
import type { Command } from './types';

/** A started (or re-found) operation. `duplicate` means this very request had already started it. */
export interface StartedOperation {
  readonly operationId: string;
  readonly duplicate: boolean;
  readonly url?: string;
}

/** One line of `list`. `outcome` is the operation's own result once it finished (succeeded, failed, rejected, …). */
export interface OperationSummary {
  readonly operationId: string;
  readonly kind: string;
  /** Temporal's status of the run: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  readonly status: string;
  readonly outcome?: string;
  readonly requester: string;
  readonly startedAt: string;
}

/**
 * What a Kubernetes read command returns: a table (pods, deployments, events, rollout status, helm history), text
 * (logs, describe) or a Helm diff. A log longer than chat shows also says where its full text went (`exported`),
 * or why it could not be sent.
 */
export type KubeReadResult = (K8sReadResult | HelmReadResult) & {
  readonly exported?: LogExport;
  readonly exportError?: string;
};

/** A Kubernetes read's answer with where it was read. */
export interface KubeReadAnswer {
  readonly environment: EnvironmentName;
  readonly namespace: string;
  readonly result: KubeReadResult;
}

/** The AWS identity the worker uses in an environment. */
export interface CallerIdentity {
  readonly environment: EnvironmentName;
  readonly account: string;
  readonly arn: string;
  readonly userId: string;
  readonly region: string;
}

/** A stack as `status stack` shows it. */
export interface StackStatus {
  readonly exists: boolean;
  readonly status?: string;
  readonly reason?: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly events: readonly { at: string; logicalId: string; status: string; reason?: string }[];
  readonly lastUpdated?: string;
}

/** One scheduled check as `schedules` shows it (from the Temporal Schedule itself). */
export interface ScheduleSummary {
  readonly scheduleId: string;
  readonly check: string;
  readonly environment: EnvironmentName;
  readonly paused: boolean;
  /** Why it is paused or was resumed, and by whom (the schedule's note). */
  readonly note?: string;
  readonly every?: string;
  readonly nextRunAt?: string;
  readonly lastRunAt?: string;
}

/** What a decision did to its operation, for the front ends' words. */
export type DecisionAction = 'approved' | 'rejected' | 'cancelled' | 'paused' | 'resumed' | 'aborting' | 'kept';

/**
 * What the dispatcher returns for a command: data only. Front ends render it (presentation/text, presentation/slack)
 * and decide how to follow a started operation; they make no policy decision of their own.
 */
export type CommandResult =
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'started';
      readonly started: StartedOperation;
      readonly environment: EnvironmentName;
      /** What was started, in words: `deploy-stack infra-agent-dev-vpc in account 123…, eu-west-1`. */
      readonly what: string;
    }
  | { readonly kind: 'decided'; readonly action: DecisionAction; readonly state: OperationState }
  | { readonly kind: 'state'; readonly state: OperationState; readonly heldUpBy?: string }
  | { readonly kind: 'list'; readonly operations: readonly OperationSummary[] }
  | { readonly kind: 'audit'; readonly records: readonly AuditRecord[] }
  | { readonly kind: 'whoami'; readonly identity: CallerIdentity }
  | { readonly kind: 'stack-status'; readonly stackName: string; readonly status: StackStatus }
  | { readonly kind: 'validation'; readonly report: ValidationReport }
  | { readonly kind: 'kube-read'; readonly read: KubeReadAnswer }
  | {
      readonly kind: 'drift';
      readonly report: StackDriftReport | EnvironmentDriftReport | KubernetesDriftReport;
      /** `remediate` found nothing to put back (the check it ran first is the report): nothing was started. */
      readonly remediation?: 'nothing-drifted';
    }
  | { readonly kind: 'verify'; readonly report: VerifyReport }
  | { readonly kind: 'scan'; readonly scan: ScanResult }
  | { readonly kind: 'waiver'; readonly action: 'granted' | 'revoked'; readonly waiver: WaiverView }
  | { readonly kind: 'waivers'; readonly environment: EnvironmentName; readonly waivers: readonly WaiverView[] }
  | {
      readonly kind: 'schedules';
      readonly schedules: readonly ScheduleSummary[];
      /** Set by pause/resume: what was done to the (one) schedule listed. */
      readonly action?: 'paused' | 'resumed';
    }
  | {
      readonly kind: 'alerts';
      readonly alerts: readonly AlertRecord[];
      /** Set by acknowledge/snooze: what was done to the (one) alert listed. */
      readonly action?: 'acknowledged' | 'snoozed';
    }
  | { readonly kind: 'cost'; readonly cost: CostReportResult }
  | { readonly kind: 'allocation'; readonly allocation: AllocationReportResult }
  | { readonly kind: 'idle'; readonly report: IdleReport }
  | { readonly kind: 'freezes'; readonly report: FreezesReport }
  /** `promotions {env}`: the promotion records of the audit trail, newest first, with their links. */
  | {
      readonly kind: 'promotions';
      readonly environment: EnvironmentName;
      readonly records: readonly PromotionRecord[];
    };

/** A cost report and its chart (or why there is none: the numbers come even when the chart cannot be drawn). */
export interface CostReportResult {
  readonly report: CostReport;
  readonly chart?: CostChart;
  readonly chartError?: string;
  /** The per-day table was asked for (`cost daily`). */
  readonly daily?: boolean;
}

/** A Kubernetes cost allocation report (OpenCost) and its chart, or why there is none. */
export interface AllocationReportResult {
  readonly report: AllocationReport;
  readonly chart?: CostChart;
  readonly chartError?: string;
}

/** The chart that goes with a result (cost reports, allocation reports), for the terminal's file and Slack's upload. */
export function resultChart(r: CommandResult): { chart: CostChart; title: string; altText: string } | undefined {
  if (r.kind === 'cost' && r.cost.chart)
    return {
      chart: r.cost.chart,
      title: `${r.cost.report.environment.toUpperCase()} daily cost`,
      altText: 'Daily cost, stacked bars by service',
    };
  if (r.kind === 'allocation' && r.allocation.chart) {
    const a = r.allocation.report;
    return {
      chart: r.allocation.chart,
      title: `${a.environment.toUpperCase()} Kubernetes cost by ${a.grouping}`,
      altText: `Kubernetes cost by ${a.grouping}, stacked bars by CPU and RAM, efficiency above each bar`,
    };
  }
  return undefined;
}

/** The result a command of a given name gets (for renderers typed per command). */
export interface Dispatched {
  readonly command: Command;
  readonly result: CommandResult;
}
