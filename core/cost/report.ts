import type { EnvironmentName } from '../environments';
import type { CostPeriod, CostWindow } from './period';

/** What a report's groups are: our services (the `Service` cost allocation tag) or AWS services. */
export type CostGrouping = 'service-tag' | 'aws-service';

/** What a cost report reads: the gateway fixes the window (from its clock), so it is recorded in history. */
export interface GetCostReportInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly period: CostPeriod;
  readonly window: CostWindow;
  readonly grouping: CostGrouping;
}

/** One day's cost per group (amounts in the report's currency, unrounded). */
export interface CostDay {
  readonly date: string;
  readonly total: number;
  readonly groups: Readonly<Record<string, number>>;
}

/** One group's cost in this period and the previous one. */
export interface CostGroupTotal {
  readonly name: string;
  readonly amount: number;
  readonly previous: number;
}

/** A cost report as the front ends render it: JSON-safe, amounts unrounded (renderers round). */
export interface CostReport {
  readonly environment: EnvironmentName;
  readonly period: CostPeriod;
  readonly grouping: CostGrouping;
  readonly window: CostWindow;
  readonly currency: string;
  readonly total: number;
  readonly previousTotal: number;
  /** Largest first. */
  readonly groups: readonly CostGroupTotal[];
  /** Every day of the period, oldest first (days without cost are there with 0). */
  readonly days: readonly CostDay[];
  /** The metric read (UnblendedCost). */
  readonly metric: string;
}

/** A chart of a report: PNG bytes (base64) and its size in pixels. */
export interface CostChart {
  readonly pngBase64: string;
  readonly width: number;
  readonly height: number;
  /** A file name for uploads and the terminal (`cost-dev-30d-2026-12-05.png`). */
  readonly fileName: string;
  readonly renderMs: number;
}

/** The untagged group, as Cost Explorer returns it for a tag key (`Service$`). */
export const UNTAGGED = '(untagged)';

/** One day and group's amount as read from Cost Explorer. */
export interface CostCell {
  readonly date: string;
  readonly group: string;
  readonly amount: number;
}

/** Builds the report from the cells of the current and previous period (one GetCostAndUsage over both). */
export function buildCostReport(
  head: Pick<CostReport, 'environment' | 'period' | 'grouping' | 'window' | 'currency' | 'metric'>,
  cells: readonly CostCell[],
  allDays: readonly string[],
): CostReport {
  const { start } = head.window;
  const current = new Map<string, number>();
  const previous = new Map<string, number>();
  const perDay = new Map<string, Record<string, number>>();
  for (const c of cells) {
    if (c.date >= start) {
      current.set(c.group, (current.get(c.group) ?? 0) + c.amount);
      const day = perDay.get(c.date) ?? {};
      day[c.group] = (day[c.group] ?? 0) + c.amount;
      perDay.set(c.date, day);
    } else previous.set(c.group, (previous.get(c.group) ?? 0) + c.amount);
  }
  const names = new Set([...current.keys(), ...previous.keys()]);
  const groups = [...names]
    .map((name) => ({ name, amount: current.get(name) ?? 0, previous: previous.get(name) ?? 0 }))
    .sort((a, b) => b.amount - a.amount || b.previous - a.previous || a.name.localeCompare(b.name));
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const days = allDays
    .filter((d) => d >= start)
    .map((date) => {
      const g = perDay.get(date) ?? {};
      return { date, total: Object.values(g).reduce((a, b) => a + b, 0), groups: g };
    });
  return { ...head, total: sum(current), previousTotal: sum(previous), groups, days };
}
