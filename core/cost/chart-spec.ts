import type { CostReport } from './report';

/** Rendered size in pixels: Slack previews it ~360 px wide, so text is sized to stay readable at that scale. */
export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 500;
/** Groups beyond this many are summed into "other" so the legend stays readable. */
const MAX_SERIES = 8;
/** Reports longer than this many days are drawn as a stacked area. */
const MAX_BAR_DAYS = 31;
const PADDING = { left: 128, top: 96, right: 250, bottom: 100 } as const;

/**
 * The frame every cost chart shares: a fixed canvas (autosize none), so the plot takes what the axes, title and
 * legend leave inside `padding`, and every chart is exactly CHART_WIDTH × CHART_HEIGHT whatever its names.
 */
export function chartCanvas(padding: {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    autosize: { type: 'none' },
    padding,
    width: CHART_WIDTH - padding.left - padding.right,
    height: CHART_HEIGHT - padding.top - padding.bottom,
    background: 'white',
  };
}
const DAY_MS = 86_400_000;

/** Cost Explorer's AWS service names are long ("Amazon Elastic Compute Cloud - Compute"): the legend's short forms. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  'Amazon Elastic Compute Cloud - Compute': 'EC2 compute',
  'EC2 - Other': 'EC2 other',
  'Amazon Relational Database Service': 'RDS',
  'Amazon Elastic Load Balancing': 'ELB',
  'Amazon Elastic Container Service for Kubernetes': 'EKS',
  'Amazon Elastic Container Service': 'ECS',
  'Amazon Simple Storage Service': 'S3',
  'Amazon Simple Queue Service': 'SQS',
  'Amazon Simple Notification Service': 'SNS',
  AmazonCloudWatch: 'CloudWatch',
  'AWS Key Management Service': 'KMS',
  'Amazon Virtual Private Cloud': 'VPC',
};

/** The name a chart shows for a group. */
export function chartName(name: string): string {
  return SHORT_NAMES[name] ?? name.replace(/^(Amazon|AWS)\s*/, '');
}

const GROUPING_TITLE = { 'service-tag': 'service (Service tag)', 'aws-service': 'AWS service' } as const;

/**
 * A Vega-Lite spec (grammar of graphics) of a report: daily cost as bars stacked by group, dates on x, the
 * currency on y. Pure data; the worker renders it offline (adapters/chart).
 */
export function costChartSpec(report: CostReport): Record<string, unknown> {
  const top = report.groups.slice(0, MAX_SERIES).map((g) => g.name);
  const values = report.days.flatMap((d) => {
    const rows = top.map((name, rank) => ({ date: d.date, group: chartName(name), rank, amount: d.groups[name] ?? 0 }));
    const other = Object.entries(d.groups)
      .filter(([name]) => !top.includes(name))
      .reduce((a, [, v]) => a + v, 0);
    return other > 0 ? [...rows, { date: d.date, group: 'other', rank: top.length, amount: other }] : rows;
  });
  const order = (report.groups.length > MAX_SERIES ? [...top, 'other'] : top).map(chartName);
  const step = report.days.length <= 10 ? 1 : report.days.length <= MAX_BAR_DAYS ? 2 : 7;
  const labelled = report.days.filter((_, i) => i % step === 0).map((d) => d.date);
  const last = new Date(Date.parse(`${report.window.end}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  return {
    ...chartCanvas(PADDING),
    title: {
      text: `${report.environment.toUpperCase()} daily cost by ${GROUPING_TITLE[report.grouping]}`,
      subtitle: `${report.window.start} – ${last} (UTC days), ${report.metric}, ${report.currency}`,
      fontSize: 30,
      subtitleFontSize: 20,
      subtitlePadding: 6,
      anchor: 'start',
      frame: 'bounds',
    },
    data: { values },
    // Bars up to a month; beyond, a stacked area: 9 shapes instead of 9 × 90 rectangles (bars a few pixels wide say
    // nothing more, and cost the renderer ten times the time: docs/cost.md, bench:cost).
    mark:
      report.days.length > MAX_BAR_DAYS ? { type: 'area', interpolate: 'step-after', line: false } : { type: 'bar' },
    encoding: {
      x: {
        field: 'date',
        type: 'ordinal',
        title: 'Day (UTC)',
        axis: {
          // Only the days labelled are drawn (every day up to 10, every other up to a month, then weekly): text is
          // most of the renderer's work.
          values: labelled,
          labelAngle: -45,
          labelFontSize: 17,
          titleFontSize: 20,
          labelExpr: 'slice(datum.value, 5)',
        },
      },
      y: {
        field: 'amount',
        type: 'quantitative',
        aggregate: 'sum',
        title: `Cost (${report.currency})`,
        axis: {
          format: report.currency === 'USD' ? '$,.0f' : ',.0f',
          labelFontSize: 19,
          titleFontSize: 20,
          tickCount: 6,
        },
      },
      color: {
        field: 'group',
        type: 'nominal',
        sort: order,
        scale: { domain: order, scheme: 'tableau10' },
        legend: { title: null, labelFontSize: 20, labelLimit: 250, symbolSize: 260, rowPadding: 6 },
      },
      // The largest group at the bottom of each bar, as first in the legend.
      order: { field: 'rank', sort: 'ascending' },
      tooltip: [{ field: 'date' }, { field: 'group' }, { field: 'amount', format: ',.2f' }],
    },
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  };
}
