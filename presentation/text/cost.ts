import type { AllocationReportResult, CostReportResult } from '../../core/commands/results';
import type { AllocationReport } from '../../core/cost/allocation';
import type { CostReport } from '../../core/cost/report';

/** How many groups the report lists; the total always covers all of them. */
export const COST_GROUPS_SHOWN = 8;

const PERIOD_WORDS = {
  '7d': 'last 7 days',
  '30d': 'last 30 days',
  '90d': 'last 90 days',
  mtd: 'month to date',
} as const;
const GROUPING_WORDS = { 'service-tag': 'services (Service tag)', 'aws-service': 'AWS services' } as const;

/** An amount in the report's currency, to the cent: $14,812.40. */
export function money(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(Math.abs(amount) < 0.005 ? 0 : amount);
}

/** A change with its sign and percentage: +$822.28 (+5.9%), −$12.00 (−1.2%), or "new" when there was nothing before. */
export function change(current: number, previous: number, currency: string): string {
  const diff = Math.round((current - previous) * 100) / 100;
  const sign = diff > 0 ? '+' : diff < 0 ? '−' : '±';
  const amount = `${sign}${money(Math.abs(diff), currency)}`;
  if (Math.abs(previous) < 0.005) return diff === 0 ? `${amount}` : `${amount} (new: nothing the period before)`;
  const pct = (diff / previous) * 100;
  return `${amount} (${sign}${Math.abs(pct).toFixed(1)}%)`;
}

const DAY_MS = 86_400_000;
/** The last day a window covers (its end is exclusive). */
const lastDay = (end: string): string => new Date(Date.parse(`${end}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

/** The report's first lines: what, total, and the change against the period before. */
export function costHeadline(r: CostReport): string {
  const w = r.window;
  return (
    `${r.environment.toUpperCase()} cost, ${PERIOD_WORDS[r.period]} (${w.start} – ${lastDay(w.end)}): ` +
    `${money(r.total, r.currency)}; previous ${w.days} days (${w.previousStart} – ${lastDay(w.start)}): ` +
    `${money(r.previousTotal, r.currency)}, ${change(r.total, r.previousTotal, r.currency)}`
  );
}

/** The top groups, one a line: name, amount, share of the total, change against the period before. */
function groupLines(r: CostReport): string[] {
  const shown = r.groups.slice(0, COST_GROUPS_SHOWN);
  const width = Math.max(...shown.map((g) => g.name.length), 4);
  const amounts = shown.map((g) => money(g.amount, r.currency));
  const aw = Math.max(...amounts.map((a) => a.length), 4);
  const lines = shown.map((g, i) => {
    const share = r.total > 0 ? ((g.amount / r.total) * 100).toFixed(1).padStart(5) : '  0.0';
    return `  ${g.name.padEnd(width)}  ${(amounts[i] ?? '').padStart(aw)}  ${share}%  ${change(g.amount, g.previous, r.currency)}`;
  });
  const rest = r.groups.length - shown.length;
  if (rest > 0) {
    const other = r.groups.slice(COST_GROUPS_SHOWN).reduce((a, g) => a + g.amount, 0);
    lines.push(`  … and ${rest} more: ${money(other, r.currency)}`);
  }
  return lines;
}

/** Every day: the date, its total and its three largest groups. */
function dailyLines(r: CostReport): string[] {
  return r.days.map((d) => {
    const top = Object.entries(d.groups)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([n, v]) => `${n} ${money(v, r.currency)}`)
      .join(', ');
    return `  ${d.date}  ${money(d.total, r.currency).padStart(12)}  ${top}`;
  });
}

/** A cost report for people: headline, top groups, the day table when asked, and where the numbers came from. */
export function renderCost(c: CostReportResult): { headline: string; body: string } {
  const r = c.report;
  const lines = r.groups.length
    ? [`Top ${GROUPING_WORDS[r.grouping]}:`, ...groupLines(r)]
    : [
        `No cost recorded for Environment=${r.environment} in these days (is the Environment cost allocation tag active?)`,
      ];
  if (c.daily) lines.push('Per day (total, largest three):', ...dailyLines(r));
  if (c.chartError) lines.push(`(no chart: ${c.chartError})`);
  lines.push(`Cost Explorer ${r.metric}, ${r.currency}, complete UTC days, tag Environment=${r.environment}`);
  return { headline: costHeadline(r), body: lines.join('\n') };
}

const ALLOCATION_ROWS_SHOWN = 12;
const GIB = 1024 ** 3;
const effPct = (e: number | null): string => (e === null ? 'n/a' : `${Math.round(e * 100)}%`);
const when = (rfc3339: string): string => rfc3339.slice(0, 16).replace('T', ' ');

/** The allocation report's first line: what, which window, the total and its efficiency. */
export function allocationHeadline(r: AllocationReport): string {
  const what = r.grouping === 'namespace' ? 'namespace' : 'workload';
  return (
    `${r.environment.toUpperCase()} Kubernetes cost by ${what}, ${PERIOD_WORDS[r.period]} ` +
    `(${when(r.window.start)} – ${when(r.window.end)} UTC): ${money(r.totalCost, r.currency)} ` +
    `(CPU ${money(r.cpuCost, r.currency)}, RAM ${money(r.ramCost, r.currency)}), efficiency ${effPct(r.efficiency)}`
  );
}

/**
 * An allocation report for people: a line per namespace or workload (total, CPU, RAM, requests, efficiencies), and
 * where the numbers came from. Efficiency is usage / requests: low means paying for requests nobody uses.
 */
export function renderAllocation(c: AllocationReportResult): { headline: string; body: string } {
  const r = c.report;
  if (r.rows.length === 0)
    return {
      headline: allocationHeadline(r),
      body: `Nothing ran in ${r.environment}'s namespaces in this window (OpenCost at ${r.url} has no allocation for it).`,
    };
  const shown = r.rows.slice(0, ALLOCATION_ROWS_SHOWN);
  const names = shown.map((x) => x.name);
  const width = Math.max(...names.map((n) => n.length), 4);
  const totals = shown.map((x) => money(x.totalCost, r.currency));
  const tw = Math.max(...totals.map((t) => t.length));
  const lines = shown.map(
    (x, i) =>
      `  ${(names[i] ?? '').padEnd(width)}  ${(totals[i] ?? '').padStart(tw)}  CPU ${money(x.cpuCost, r.currency)}, ` +
      `RAM ${money(x.ramCost, r.currency)}; requests ${x.cpuCoreRequestAverage.toFixed(2)} cores, ` +
      `${(x.ramByteRequestAverage / GIB).toFixed(2)} GiB; efficiency CPU ${effPct(x.cpuEfficiency)}, ` +
      `RAM ${effPct(x.ramEfficiency)}, total ${effPct(x.totalEfficiency)}`,
  );
  const rest = r.rows.slice(ALLOCATION_ROWS_SHOWN);
  if (rest.length > 0)
    lines.push(
      `  … and ${rest.length} more: ${money(
        rest.reduce((a, x) => a + x.totalCost, 0),
        r.currency,
      )}`,
    );
  if (r.otherCost > 0) lines.push(`PV, network and load balancers: ${money(r.otherCost, r.currency)}`);
  if (c.chartError) lines.push(`(no chart: ${c.chartError})`);
  lines.push(
    `OpenCost allocation (${r.url}): requests × prices for the minutes each pod ran; efficiency = usage / requests`,
  );
  return { headline: allocationHeadline(r), body: lines.join('\n') };
}
