import type { ChartRenderer } from '../../adapters/chart/vega-png';
import { CHART_WIDTH, costChartSpec } from '../../core/cost/chart-spec';
import type { CostChart, CostReport } from '../../core/cost/report';

export interface CostChartDeps {
  readonly charts: ChartRenderer;
}

/** Renders a report's chart to PNG (pure: the same report gives the same image, so a retry is harmless). */
export function createCostChartActivities(deps: CostChartDeps) {
  return {
    async renderCostChart(input: { readonly report: CostReport }): Promise<CostChart> {
      const started = Date.now();
      const r = input.report;
      const out = await deps.charts.renderPng(costChartSpec(r), CHART_WIDTH);
      const kind = r.grouping === 'aws-service' ? 'by-service-' : '';
      return {
        pngBase64: out.png.toString('base64'),
        width: out.width,
        height: out.height,
        fileName: `cost-${kind}${r.environment}-${r.period}-${r.window.end}.png`,
        renderMs: Date.now() - started,
      };
    },
  };
}
