import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RaiseAlertResult } from '../activities/alerts';
import type { PostCostReportResult } from '../activities/cost/cost-chart';
import type { Finding } from '../core/alerts/alert';
import type { AllocationReportResult, CostReportResult } from '../core/commands/results';
import type { GetAllocationInput } from '../core/cost/allocation';
import type { BudgetForecast } from '../core/cost/anomaly';
import { anomalyFinding, budgetFinding, forecastMonth, judgeDay } from '../core/cost/anomaly';
import { costWindow } from '../core/cost/period';
import type { FindIdleInput, IdleReport } from '../core/cost/idle';
import type { GetCostReportInput } from '../core/cost/report';
import type { CostAnomalyRule } from '../core/cost/settings';
import type { EnvironmentName } from '../core/environments';
import type { Requester } from '../core/requester';
import { heartbeatCallActivity, notifyActivity, renderActivity } from './activity-options';

const { getCostReport } = proxyActivities<Activities>(heartbeatCallActivity);
const { renderCostChart, renderAllocationChart } = proxyActivities<Activities>(renderActivity);
const { getAllocationReport } = proxyActivities<Activities>(heartbeatCallActivity);
const { raiseAlert, postCostReport } = proxyActivities<Activities>(notifyActivity);
const { findIdleResources } = proxyActivities<Activities>(heartbeatCallActivity);

/** The message of a failed chart activity (its cause: the renderer's own words). */
const chartFailure = (e: unknown): string => {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  return cause instanceof Error ? cause.message : String(cause);
};

/**
 * Read-only: `cost {env} [period]` and `cost by service {env} [period]` — one Cost Explorer read over the period
 * and the one before it, then its chart. A chart that cannot be drawn does not cost the person the numbers.
 */
export async function costReportWorkflow(input: GetCostReportInput): Promise<CostReportResult> {
  const report = await getCostReport(input);
  try {
    return { report, chart: await renderCostChart({ report }) };
  } catch (e) {
    return { report, chartError: chartFailure(e) };
  }
}

/**
 * Read-only: `cost by namespace|workload {env} [period]` — one read of the cluster's cost allocation API (OpenCost),
 * then its chart. A chart that cannot be drawn does not cost the person the numbers; nothing to draw, no chart.
 */
export async function costAllocationWorkflow(input: GetAllocationInput): Promise<AllocationReportResult> {
  const report = await getAllocationReport(input);
  if (report.rows.length === 0) return { report };
  try {
    return { report, chart: await renderAllocationChart({ report }) };
  } catch (e) {
    return { report, chartError: chartFailure(e) };
  }
}

/** What a scheduled cost run reads and as whom: recorded by the worker in the Schedule's action. */
interface ScheduledCostInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  /** `via: 'schedule'`: who the run is (a read; see checkPermission). */
  readonly requester: Requester;
  /** The day the run counts as today (ISO, UTC); absent: the workflow's clock at the start of the run. */
  readonly today?: string;
}

/**
 * `cost {env} {period}` by our services, as of the run's today: the workflow's clock (deterministic: the time of the
 * workflow task, recorded in history) unless the input names the day.
 */
const readCost = (input: ScheduledCostInput, period: '7d' | '30d') =>
  getCostReport({
    environment: input.environment,
    region: input.region,
    period,
    window: costWindow(period, input.today ?? new Date().toISOString().slice(0, 10)),
    grouping: 'service-tag',
  });

/** Input of the weekly report (Temporal Schedule `<queue>/cost-report/<env>`). */
export interface ScheduledCostReportInput extends ScheduledCostInput {
  /** The environment's `slack.channel`. */
  readonly channel: string;
}

export interface ScheduledCostReportResult extends PostCostReportResult {
  readonly total: number;
  readonly window: { readonly start: string; readonly end: string };
}

/** The weekly report: `cost {env} 7d` and its chart, posted to the environment's channel. */
export async function scheduledCostReportWorkflow(input: ScheduledCostReportInput): Promise<ScheduledCostReportResult> {
  const report = await readCost(input, '7d');
  const posted = await postCostReport({
    report,
    channel: input.channel,
    key: `cost-report|${workflowInfo().workflowId}`,
  });
  return { ...posted, total: report.total, window: { start: report.window.start, end: report.window.end } };
}

/** Input of the daily anomaly and budget check (Temporal Schedule `<queue>/cost-check/<env>`). */
export interface ScheduledCostCheckInput extends ScheduledCostInput {
  /** The environment's `slack.alertsChannel` (absent: alert state is kept, nothing posted). */
  readonly alertsChannel?: string;
  readonly rule: CostAnomalyRule;
  /** The month's budget (config `cost.budget.<env>`); absent: no forecast alert. */
  readonly budget?: number;
}

export interface ScheduledCostCheckResult {
  /** The day checked: the last complete day. */
  readonly day: string;
  readonly anomalies: readonly string[];
  readonly forecast?: BudgetForecast;
  /** Per subject (total, each service, budget): what its alert did. */
  readonly alerts: readonly ({ readonly subject: string } & RaiseAlertResult)[];
}

/**
 * Raises (or resolves) each finding's alert through the shared alert activity. A finding whose alert could not be
 * sent is reported, not thrown: the next run alerts (the state was not changed).
 */
export async function raiseEach(
  findings: readonly Finding[],
  channel: string | undefined,
): Promise<({ subject: string } & RaiseAlertResult)[]> {
  const out: ({ subject: string } & RaiseAlertResult)[] = [];
  for (const finding of findings) {
    try {
      out.push({ subject: finding.subject, ...(await raiseAlert({ finding, ...(channel ? { channel } : {}) })) });
    } catch (e) {
      if (isCancellation(e)) throw e;
      out.push({
        subject: finding.subject,
        action: 'none',
        why: `the alert could not be sent: ${(e as Error).message}`,
      });
    }
  }
  return out;
}

/**
 * The daily check: `cost {env} 30d` read once; the last complete day's total and each service against the median
 * of the days before it (core/cost/anomaly.ts), and the month's forecast against the budget; one alert per subject,
 * deduplicated by environment + subject + day (budget: + month + level).
 */
export async function scheduledCostCheckWorkflow(input: ScheduledCostCheckInput): Promise<ScheduledCostCheckResult> {
  const report = await readCost(input, '30d');
  const checkedAt = new Date().toISOString();
  const verdicts = judgeDay(report, input.rule);
  const forecast = input.budget !== undefined ? forecastMonth(report, input.budget) : undefined;
  const findings = [
    ...verdicts.map((v) => anomalyFinding(input.environment, v, input.rule, report.currency, checkedAt)),
    ...(forecast ? [budgetFinding(input.environment, forecast, report.currency, checkedAt)] : []),
  ];
  return {
    day: report.days.at(-1)?.date ?? report.window.end,
    anomalies: verdicts.filter((v) => v.anomalous).map((v) => v.subject),
    ...(forecast ? { forecast } : {}),
    alerts: await raiseEach(findings, input.alertsChannel),
  };
}

/** Read-only: `idle {env}` — what costs money and does nothing, with its monthly cost and the evidence. */
export async function idleResourcesWorkflow(input: FindIdleInput): Promise<IdleReport> {
  return findIdleResources(input);
}
