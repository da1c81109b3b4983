/** The periods a cost report covers: the last 7, 30 or 90 complete days, or the month to date (complete days). */
export const COST_PERIODS = ['7d', '30d', '90d', 'mtd'] as const;
export type CostPeriod = (typeof COST_PERIODS)[number];

/** What `cost` reports when no period is given. */
export const DEFAULT_COST_PERIOD: CostPeriod = '30d';

export const COST_PERIOD_HELP =
  '7d (the last 7 days), 30d (the last 30 days), 90d (the last 90 days) or mtd (this month to date)';

export function isCostPeriod(raw: string): raw is CostPeriod {
  return (COST_PERIODS as readonly string[]).includes(raw);
}

/** Dates are ISO days (YYYY-MM-DD); `end` is exclusive, as Cost Explorer's TimePeriod.End. */
export interface CostWindow {
  readonly start: string;
  readonly end: string;
  /** The previous period of the same length, ending where this one starts. */
  readonly previousStart: string;
  readonly days: number;
}

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const parseDay = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** Every ISO day from `start` (inclusive) to `end` (exclusive). */
export function daysBetween(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = parseDay(start); t < parseDay(end); t += DAY_MS) out.push(iso(t));
  return out;
}

/**
 * The window a period covers on `today` (an ISO day, UTC): complete days only, so it ends at today (exclusive).
 * `mtd` on the 1st has no complete day: the caller is told to use 7d or 30d.
 */
export function costWindow(period: CostPeriod, today: string): CostWindow {
  const end = parseDay(today);
  const days = period === 'mtd' ? new Date(end).getUTCDate() - 1 : Number(period.slice(0, -1));
  if (days < 1)
    throw new RangeError(`period: mtd on ${today} has no complete day yet; use 7d or 30d, e.g. cost dev 7d`);
  const start = end - days * DAY_MS;
  return { start: iso(start), end: today, previousStart: iso(start - days * DAY_MS), days };
}
