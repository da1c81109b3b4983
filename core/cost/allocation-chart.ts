import type { AllocationReport, AllocationRow } from './allocation';
import { chartCanvas } from './chart-spec';

/** Bars drawn; the rest are summed as one "other" bar. */
const MAX_BARS = 10;
const PADDING = { left: 128, top: 120, right: 170, bottom: 130 } as const;
/** Stack parts: CPU, RAM, and the rest (PV, load balancers, network) as "other". */
const KINDS = ['CPU', 'RAM', 'other'] as const;

/**
 * A bar's name: a namespace as is; a workload by its own name (`payments-dev/deployment:payments-api` →
 * `payments-api`), with its namespace only when another shown workload has the same name.
 */
export function allocationLabels(rows: readonly Pick<AllocationRow, 'name'>[]): string[] {
  const short = rows.map((r) => r.name.replace(/^.*\/|^[a-z]+:/g, '').replace(/^[a-z]+:/, ''));
  return short.map((s, i) =>
    short.indexOf(s) !== short.lastIndexOf(s) ? (rows[i]?.name ?? s).replace(/\/[a-z]+:/, '/') : s,
  );
}

const pct = (e: number | null): string => (e === null ? 'n/a' : `${Math.round(e * 100)}%`);

/**
 * A Vega-Lite spec of an allocation report: one bar per namespace or workload (largest first), stacked by CPU, RAM
 * and the rest, the window's cost on y, each bar's total efficiency above it. Same canvas, fonts and renderer as
 * the daily cost charts (chart-spec.ts).
 */
export function allocationChartSpec(r: AllocationReport): Record<string, unknown> {
  const shown = r.rows.slice(0, MAX_BARS);
  const rest = r.rows.slice(MAX_BARS);
  const labels = allocationLabels(shown);
  const bars = shown.map((row, i) => ({
    label: labels[i] ?? row.name,
    parts: [row.cpuCost, row.ramCost, row.otherCost],
    total: row.totalCost,
    efficiency: row.totalEfficiency,
  }));
  if (rest.length > 0) {
    const sum = (f: (x: AllocationRow) => number): number => rest.reduce((s, x) => s + f(x), 0);
    const total = sum((x) => x.totalCost);
    bars.push({
      label: `${rest.length} more`,
      parts: [sum((x) => x.cpuCost), sum((x) => x.ramCost), sum((x) => x.otherCost)],
      total,
      efficiency: total > 0 ? rest.reduce((s, x) => s + (x.totalEfficiency ?? 0) * x.totalCost, 0) / total : null,
    });
  }
  const kinds = KINDS.filter((_, i) => bars.some((b) => (b.parts[i] ?? 0) > 0));
  const values = bars.flatMap((b, rank) =>
    KINDS.map((kind, i) => ({
      label: b.label,
      rank,
      kind,
      amount: b.parts[i] ?? 0,
      total: b.total,
      eff: pct(b.efficiency),
    })).filter((v) => kinds.includes(v.kind)),
  );
  const what = r.grouping === 'namespace' ? 'namespace' : 'workload';
  const order = bars.map((b) => b.label);
  const x = {
    field: 'label',
    type: 'nominal',
    sort: order,
    // The chart's title says what the bars are; the labels need the room.
    title: null,
    axis: { labelAngle: -30, labelFontSize: 16, titleFontSize: 20, labelLimit: 240, labelOverlap: false },
  };
  return {
    ...chartCanvas(PADDING),
    title: {
      text: `${r.environment.toUpperCase()} Kubernetes cost by ${what}`,
      subtitle: [
        `${r.window.start.slice(0, 16).replace('T', ' ')} – ${r.window.end.slice(0, 16).replace('T', ' ')} UTC, requests × prices (OpenCost), ${r.currency}`,
        'above each bar: its efficiency (usage / requests)',
      ],
      fontSize: 30,
      subtitleFontSize: 18,
      subtitlePadding: 6,
      anchor: 'start',
      frame: 'bounds',
    },
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          y: {
            field: 'amount',
            type: 'quantitative',
            aggregate: 'sum',
            title: `Cost (${r.currency})`,
            // Room above the tallest bar for its efficiency label.
            scale: { domainMax: Math.max(...bars.map((b) => b.total), 0) * 1.15 },
            axis: { format: '$,.2f', labelFontSize: 19, titleFontSize: 20, tickCount: 6 },
          },
          color: {
            field: 'kind',
            type: 'nominal',
            sort: [...kinds],
            scale: { domain: [...kinds], range: ['#4e79a7', '#f28e2b', '#bab0ac'] },
            legend: { title: null, labelFontSize: 20, labelLimit: 160, symbolSize: 260, rowPadding: 6 },
          },
          order: { field: 'kind', sort: 'ascending' },
        },
      },
      {
        // One label per bar (the first kind's row carries it): its total efficiency, above the bar.
        transform: [{ filter: `datum.kind === '${kinds[0] ?? 'CPU'}'` }],
        mark: { type: 'text', dy: -12, fontSize: 17, color: '#333' },
        encoding: { x, y: { field: 'total', type: 'quantitative' }, text: { field: 'eff' } },
      },
    ],
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  };
}
