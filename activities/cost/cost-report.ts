import type { GetCostAndUsageCommandInput, GroupDefinition } from '@aws-sdk/client-cost-explorer';
import { GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { CostCell, CostGrouping, CostReport, GetCostReportInput } from '../../core/cost/report';
import { buildCostReport, UNTAGGED } from '../../core/cost/report';
import { daysBetween } from '../../core/cost/period';

export interface CostDeps {
  readonly aws: AwsClientFactory;
}

/** The cost allocation tags our templates set (infra/cloudformation: Environment, Service). */
export const ENVIRONMENT_TAG = 'Environment';
export const SERVICE_TAG = 'Service';
const METRIC = 'UnblendedCost';

const GROUP_BY: Readonly<Record<CostGrouping, GroupDefinition>> = {
  'service-tag': { Type: 'TAG', Key: SERVICE_TAG },
  'aws-service': { Type: 'DIMENSION', Key: 'SERVICE' },
};

/** The one request a report makes: both periods, DAILY, the environment's tag, one grouping (docs/cost.md). */
export function costRequest(input: GetCostReportInput): GetCostAndUsageCommandInput {
  return {
    TimePeriod: { Start: input.window.previousStart, End: input.window.end },
    Granularity: 'DAILY',
    Metrics: [METRIC],
    Filter: { Tags: { Key: ENVIRONMENT_TAG, Values: [input.environment] } },
    GroupBy: [GROUP_BY[input.grouping]],
  };
}

/** A group key as Cost Explorer writes it (`Service$payments-api`, `Service$` untagged) → the name shown. */
function groupName(key: string, grouping: CostGrouping): string {
  if (grouping === 'aws-service') return key;
  const value = key.startsWith(`${SERVICE_TAG}$`) ? key.slice(SERVICE_TAG.length + 1) : key;
  return value || UNTAGGED;
}

/**
 * Read-only: GetCostAndUsage over the period and the previous one, every page, into a report. A retry reads
 * again. Amounts stay unrounded; the renderers round.
 */
export function createCostActivities(deps: CostDeps) {
  return {
    async getCostReport(input: GetCostReportInput): Promise<CostReport> {
      const client = deps.aws.costExplorer({ region: input.region });
      const request = costRequest(input);
      const cells: CostCell[] = [];
      let currency = 'USD';
      let token: string | undefined;
      do {
        const page = await client.send(new GetCostAndUsageCommand({ ...request, NextPageToken: token }));
        for (const r of page.ResultsByTime ?? []) {
          const date = r.TimePeriod?.Start;
          if (!date) continue;
          for (const g of r.Groups ?? []) {
            const m = g.Metrics?.[METRIC];
            if (!m?.Amount) continue;
            currency = m.Unit ?? currency;
            cells.push({ date, group: groupName(g.Keys?.[0] ?? '', input.grouping), amount: Number(m.Amount) });
          }
        }
        token = page.NextPageToken;
      } while (token);
      return buildCostReport(
        {
          environment: input.environment,
          period: input.period,
          grouping: input.grouping,
          window: input.window,
          currency,
          metric: METRIC,
        },
        cells,
        daysBetween(input.window.start, input.window.end),
      );
    },
  };
}
