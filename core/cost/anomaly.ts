import type { Finding } from '../alerts/alert';
import { alertKey } from '../alerts/alert';
import type { EnvironmentName } from '../environments';
import type { CostReport } from './report';
import { UNTAGGED } from './report';
import type { CostAnomalyRule } from './settings';

/**
 * The daily cost check (pure; workflows/cost.ts runs it on `cost {env} 30d`): the last complete day's total and
 * each service's cost against its trailing baseline (the median of the days before it), and the month's forecast
 * against the environment's budget. Every subject gives a finding, clean or not, so an alert that was open
 * resolves when its subject is back to normal (core/alerts decides).
 */

/** The alert check name of cost findings (`cost/dev/payments-api`). */
export const COST_ALERT_CHECK = 'cost';
/** The subject of the day's total and of the budget forecast (a service tag of these names would share them). */
export const TOTAL_SUBJECT = 'total';
export const BUDGET_SUBJECT = 'budget';
/** Forecast levels that alert, as shares of the budget. */
export const BUDGET_LEVELS = [0.8, 1] as const;
/** The forecast's daily rate: the mean of this many last days. */
export const FORECAST_RATE_DAYS = 7;

const money = (n: number, currency: string): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(n);

/** An alert subject from a service tag: `(untagged)` → `untagged`, anything else lower-cased to [a-z0-9-]. */
export function costSubject(group: string): string {
  if (group === UNTAGGED) return 'untagged';
  const s = group
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return s || 'untagged';
}

/** The median of a list (the baseline: one bad day in it does not move it as a mean would). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface AnomalyVerdict {
  readonly subject: string;
  readonly name: string;
  readonly day: string;
  readonly amount: number;
  readonly baseline: number;
  readonly anomalous: boolean;
  /** The total only: the services whose own jump explains it (their alerts say it; the total does not page too). */
  readonly explainedBy?: readonly string[];
}

/** The checked day (the report's last) and the `baselineDays` before it, per subject: total and every group. */
export function judgeDay(report: CostReport, rule: CostAnomalyRule): AnomalyVerdict[] {
  const days = report.days;
  const last = days.at(-1);
  if (!last) return [];
  const before = days.slice(Math.max(0, days.length - 1 - rule.baselineDays), days.length - 1);
  const judge = (subject: string, name: string, of: (d: (typeof days)[number]) => number): AnomalyVerdict => {
    const amount = of(last);
    const baseline = median(before.map(of));
    const anomalous = before.length > 0 && amount > rule.factor * baseline && amount - baseline > rule.minIncrease;
    return { subject, name, day: last.date, amount, baseline, anomalous };
  };
  const services = report.groups.map((g) => judge(costSubject(g.name), g.name, (d) => d.groups[g.name] ?? 0));
  const total = judge(TOTAL_SUBJECT, 'total', (d) => d.total);
  const jumped = services.filter((v) => v.anomalous).map((v) => v.name);
  // One spike, one alert: a total that jumped because one or more services did is told by their alerts.
  return [total.anomalous && jumped.length ? { ...total, anomalous: false, explainedBy: jumped } : total, ...services];
}

/** One verdict as an alert finding: fingerprint environment + subject + day, so the same spike alerts once. */
export function anomalyFinding(
  env: EnvironmentName,
  v: AnomalyVerdict,
  rule: CostAnomalyRule,
  currency: string,
  checkedAt: string,
): Finding {
  const what = v.subject === TOTAL_SUBJECT ? `${env.toUpperCase()} total cost` : `${v.name} cost in ${env}`;
  const ratio = v.baseline > 0 ? `${(v.amount / v.baseline).toFixed(1)}×` : 'no spend in';
  const day = `[${env}] ${what} on ${v.day}: ${money(v.amount, currency)}`;
  const median = `its ${rule.baselineDays}-day median (${money(v.baseline, currency)})`;
  const headline = v.anomalous
    ? `${day}, ${ratio} ${median}`
    : v.explainedBy
      ? `${day}, ${ratio} ${median}: the jump is in ${v.explainedBy.join(', ')} (their alerts)`
      : `${day}, within ${rule.factor}× ${median}`;
  return {
    key: alertKey(COST_ALERT_CHECK, env, v.subject),
    check: COST_ALERT_CHECK,
    environment: env,
    subject: v.subject,
    ...(v.anomalous ? { fingerprint: `${env}|${v.subject}|${v.day}` } : {}),
    headline,
    lines: [
      `day ${v.day}: ${money(v.amount, currency)}`,
      `baseline (median of the ${rule.baselineDays} days before): ${money(v.baseline, currency)}`,
      `increase: ${money(v.amount - v.baseline, currency)}`,
      `rule: above ${rule.factor}× the baseline and more than ${money(rule.minIncrease, currency)} above it`,
      `see: cost daily ${env} 7d`,
    ],
    checkedAt,
  };
}

export interface BudgetForecast {
  readonly month: string;
  readonly budget: number;
  readonly monthToDate: number;
  readonly forecast: number;
  /** The highest level of BUDGET_LEVELS the forecast reaches (absent: under 80%). */
  readonly level?: number;
  readonly daysLeft: number;
  readonly dailyRate: number;
}

/**
 * The month of the report's last day: its cost so far plus the mean of the last FORECAST_RATE_DAYS days for every
 * day left in the month, against the budget.
 */
export function forecastMonth(report: CostReport, budget: number): BudgetForecast | undefined {
  const last = report.days.at(-1);
  if (!last) return undefined;
  const month = last.date.slice(0, 7);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const daysLeft = daysInMonth - Number(last.date.slice(8, 10));
  const monthToDate = report.days.filter((d) => d.date.startsWith(month)).reduce((a, d) => a + d.total, 0);
  const recent = report.days.slice(-FORECAST_RATE_DAYS);
  const dailyRate = recent.reduce((a, d) => a + d.total, 0) / recent.length;
  const forecast = monthToDate + dailyRate * daysLeft;
  const level = [...BUDGET_LEVELS].reverse().find((l) => forecast >= l * budget);
  return { month, budget, monthToDate, forecast, daysLeft, dailyRate, ...(level !== undefined ? { level } : {}) };
}

/** The forecast as an alert finding: fingerprint environment + month + level (80% then 100% update one alert). */
export function budgetFinding(env: EnvironmentName, f: BudgetForecast, currency: string, checkedAt: string): Finding {
  const pct = Math.round((f.forecast / f.budget) * 100);
  const headline =
    f.level === undefined
      ? `[${env}] ${f.month} forecast ${money(f.forecast, currency)}: ${pct}% of the ${money(f.budget, currency)} budget`
      : `[${env}] ${f.month} forecast ${money(f.forecast, currency)}: ${pct}% of the ${money(f.budget, currency)} budget — ${f.level >= 1 ? 'over budget' : `past ${Math.round(f.level * 100)}%`}`;
  return {
    key: alertKey(COST_ALERT_CHECK, env, BUDGET_SUBJECT),
    check: COST_ALERT_CHECK,
    environment: env,
    subject: BUDGET_SUBJECT,
    ...(f.level !== undefined
      ? { fingerprint: `${env}|${BUDGET_SUBJECT}|${f.month}|${Math.round(f.level * 100)}` }
      : {}),
    headline,
    lines: [
      `budget ${f.month}: ${money(f.budget, currency)}`,
      `month to date: ${money(f.monthToDate, currency)}`,
      `forecast: ${money(f.forecast, currency)} (${pct}%; ${money(f.dailyRate, currency)}/day over the last ${FORECAST_RATE_DAYS} days × ${f.daysLeft} days left)`,
      `alerts at ${BUDGET_LEVELS.map((l) => `${l * 100}%`).join(' and ')} of the budget`,
    ],
    checkedAt,
  };
}
