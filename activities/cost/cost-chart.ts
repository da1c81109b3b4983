import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChartRenderer } from '../../adapters/chart/vega-png';
import type { CostReportResult } from '../../core/commands/results';
import { CHART_WIDTH, costChartSpec } from '../../core/cost/chart-spec';
import type { CostChart, CostReport } from '../../core/cost/report';
import type { NotifierPort, RenderedMessage } from '../notify/notify-operation';

export interface CostChartDeps {
  readonly charts: ChartRenderer;
  /** Where scheduled reports are posted (Slack, or the silent notifier). */
  readonly notifier?: NotifierPort;
  /** A report's numbers as a chat message (the bot's own renderer, injected by the composition root). */
  readonly message?: (c: CostReportResult) => RenderedMessage;
}

/** Input of `postCostReport`: a report, the channel it goes to, and a key unique to the run (retries find it). */
export interface PostCostReportInput {
  readonly report: CostReport;
  readonly channel: string;
  readonly key: string;
}

export interface PostCostReportResult {
  readonly ts: string;
  /** The uploaded chart's file id; absent when the chart could not be drawn or uploaded (`chartError` says why). */
  readonly fileId?: string;
  readonly chartError?: string;
  readonly renderMs?: number;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Renders a report's chart to PNG (pure: the same report gives the same image, so a retry is harmless). */
export function createCostChartActivities(deps: CostChartDeps) {
  const render = async (r: CostReport): Promise<{ chart: CostChart; png: Buffer }> => {
    const started = Date.now();
    const out = await deps.charts.renderPng(costChartSpec(r), CHART_WIDTH);
    const kind = r.grouping === 'aws-service' ? 'by-service-' : '';
    return {
      png: out.png,
      chart: {
        pngBase64: out.png.toString('base64'),
        width: out.width,
        height: out.height,
        fileName: `cost-${kind}${r.environment}-${r.period}-${r.window.end}.png`,
        renderMs: Date.now() - started,
      },
    };
  };
  return {
    async renderCostChart(input: { readonly report: CostReport }): Promise<CostChart> {
      return (await render(input.report)).chart;
    },

    /**
     * A scheduled report (the weekly `cost {env} 7d`): the numbers posted to the channel, then the chart rendered
     * and uploaded into the message's thread, in one activity (the PNG never travels through Temporal). A retry
     * finds the message it posted by key; a chart that cannot be drawn or uploaded is said in the thread.
     */
    async postCostReport(input: PostCostReportInput): Promise<PostCostReportResult> {
      const { notifier, message } = deps;
      if (!notifier || !message)
        throw ApplicationFailure.nonRetryable('cost reports cannot be posted: no Slack on this worker', 'ToolMissing');
      const info = Context.current().info;
      const where = { channel: input.channel, key: `${input.key}|report` };
      const earlier = info.attempt > 1 ? await notifier.findPosted(where) : undefined;
      const ts = earlier ?? (await notifier.post({ ...where, ...message({ report: input.report }) })).ts;
      let drawn: { chart: CostChart; png: Buffer };
      try {
        drawn = await render(input.report);
      } catch (e) {
        const chartError = errorText(e);
        await notifier.post({
          channel: input.channel,
          threadTs: ts,
          key: `${input.key}|no-chart`,
          text: `(no chart: ${chartError})`,
        });
        return { ts, chartError };
      }
      const r = input.report;
      const { fileId } = await notifier.postFile({
        channel: input.channel,
        threadTs: ts,
        bytes: drawn.png,
        filename: drawn.chart.fileName,
        title: `${r.environment.toUpperCase()} cost, ${r.window.start} – ${r.window.end}`,
        altText: `Daily cost of ${r.environment} by service, ${r.window.start} to ${r.window.end}`,
      });
      return { ts, fileId, renderMs: drawn.chart.renderMs };
    },
  };
}
