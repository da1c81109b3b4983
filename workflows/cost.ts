import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CostReportResult } from '../core/commands/results';
import type { GetCostReportInput } from '../core/cost/report';
import { heartbeatCallActivity, renderActivity } from './activity-options';

const { getCostReport } = proxyActivities<Activities>(heartbeatCallActivity);
const { renderCostChart } = proxyActivities<Activities>(renderActivity);

/**
 * Read-only: `cost {env} [period]` and `cost by service {env} [period]` — one Cost Explorer read over the period
 * and the one before it, then its chart. A chart that cannot be drawn does not cost the person the numbers.
 */
export async function costReportWorkflow(input: GetCostReportInput): Promise<CostReportResult> {
  const report = await getCostReport(input);
  try {
    return { report, chart: await renderCostChart({ report }) };
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    return { report, chartError: cause instanceof Error ? cause.message : String(cause) };
  }
}
