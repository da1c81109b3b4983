import type { CheckSchedules } from '../check-schedule';
import { readCheckSchedule } from '../check-schedule';
import type { EnvironmentName } from '../environments';

/** When a day's cost is an anomaly (core/cost/anomaly.ts): both limits must be passed. */
export interface CostAnomalyRule {
  /** The day is more than `factor` × the median of the `baselineDays` days before it… */
  readonly factor: number;
  readonly baselineDays: number;
  /** …and more than `minIncrease` (in the report's currency) above that median: small services do not page. */
  readonly minIncrease: number;
}

/** Config `cost:` (docs/cost.md). Absent: no scheduled report, no check, the default anomaly rule, no budgets. */
export interface CostConfig {
  /** The weekly report (`cost {env} 7d` and its chart) to the environment's channel, per environment. */
  readonly schedule?: CheckSchedules;
  /** The daily anomaly and budget check per environment (alerts to the environment's alerts channel). */
  readonly check?: CheckSchedules;
  readonly anomaly: CostAnomalyRule;
  /** Monthly budget per environment, in the report's currency: forecast alerts at 80% and 100%. */
  readonly budget?: Readonly<Partial<Record<EnvironmentName, number>>>;
  /** The OpenCost/Kubecost API (base URL, e.g. http://opencost.opencost:9003) of each environment's cluster. */
  readonly allocation?: Readonly<Partial<Record<EnvironmentName, string>>>;
}

export const DEFAULT_ANOMALY_RULE: CostAnomalyRule = { factor: 1.5, baselineDays: 14, minIncrease: 50 };
export const DEFAULT_COST_CONFIG: CostConfig = { anomaly: DEFAULT_ANOMALY_RULE };

/** The baseline the daily check can read: the report it runs is `cost {env} 30d` (30 days before the checked day). */
export const MAX_BASELINE_DAYS = 29;

interface Issue {
  readonly path: string;
  readonly problem: string;
}
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const ENVS: readonly EnvironmentName[] = ['dev', 'tst', 'prd'];

function readAnomaly(raw: unknown, fail: (path: string, problem: string) => void): CostAnomalyRule {
  if (raw === undefined || raw === null) return DEFAULT_ANOMALY_RULE;
  if (!isObj(raw)) {
    fail('cost.anomaly', 'must be a mapping, e.g. { factor: 1.5, baselineDays: 14, minIncrease: 50 }');
    return DEFAULT_ANOMALY_RULE;
  }
  for (const k of Object.keys(raw))
    if (!['factor', 'baselineDays', 'minIncrease'].includes(k))
      fail(`cost.anomaly.${k}`, 'unknown key; use factor, baselineDays, minIncrease');
  const num = (k: keyof CostAnomalyRule, ok: (n: number) => boolean, what: string): number => {
    const v = raw[k];
    if (v === undefined) return DEFAULT_ANOMALY_RULE[k];
    if (typeof v !== 'number' || !ok(v)) {
      fail(`cost.anomaly.${k}`, `${JSON.stringify(v)} is not ${what}`);
      return DEFAULT_ANOMALY_RULE[k];
    }
    return v;
  };
  return {
    factor: num('factor', (n) => n > 1, 'a factor above 1, e.g. 1.5 (the day is 1.5× its baseline)'),
    baselineDays: num(
      'baselineDays',
      (n) => Number.isInteger(n) && n >= 3 && n <= MAX_BASELINE_DAYS,
      `a whole number of days from 3 to ${MAX_BASELINE_DAYS}, e.g. 14`,
    ),
    minIncrease: num('minIncrease', (n) => n >= 0, 'an amount of 0 or more, e.g. 50 (dollars above the baseline)'),
  };
}

function readBudget(
  raw: unknown,
  fail: (path: string, problem: string) => void,
): Partial<Record<EnvironmentName, number>> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    fail('cost.budget', 'must be a mapping of environment to a monthly amount, e.g. { dev: 3000, prd: 25000 }');
    return undefined;
  }
  const out: Partial<Record<EnvironmentName, number>> = {};
  for (const [env, v] of Object.entries(raw)) {
    if (!(ENVS as readonly string[]).includes(env)) {
      fail(`cost.budget.${env}`, `'${env}' is not an environment; use ${ENVS.join(', ')}`);
      continue;
    }
    if (typeof v !== 'number' || !(v > 0)) {
      fail(`cost.budget.${env}`, `${JSON.stringify(v)} is not a monthly amount; give a number above 0, e.g. 3000`);
      continue;
    }
    out[env as EnvironmentName] = v;
  }
  return out;
}

function readAllocation(
  raw: unknown,
  fail: (path: string, problem: string) => void,
): Partial<Record<EnvironmentName, string>> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    fail(
      'cost.allocation',
      'must be a mapping of environment to the OpenCost API URL, e.g. { dev: http://opencost:9003 }',
    );
    return undefined;
  }
  const out: Partial<Record<EnvironmentName, string>> = {};
  for (const [env, v] of Object.entries(raw)) {
    if (!(ENVS as readonly string[]).includes(env)) {
      fail(`cost.allocation.${env}`, `'${env}' is not an environment; use ${ENVS.join(', ')}`);
      continue;
    }
    let ok = false;
    try {
      ok = typeof v === 'string' && ['http:', 'https:'].includes(new URL(v).protocol);
    } catch {
      ok = false;
    }
    if (!ok) {
      fail(
        `cost.allocation.${env}`,
        `${JSON.stringify(v)} is not an http(s) URL; give the OpenCost API's base URL, e.g. http://opencost.opencost:9003`,
      );
      continue;
    }
    out[env as EnvironmentName] = (v as string).replace(/\/+$/, '');
  }
  return out;
}

/** Reads config `cost:`; every problem names its setting. */
export function readCostConfig(raw: unknown): { value: CostConfig; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string) => void issues.push({ path, problem });
  if (raw === undefined || raw === null) return { value: DEFAULT_COST_CONFIG, issues };
  if (!isObj(raw)) return { value: DEFAULT_COST_CONFIG, issues: [{ path: 'cost', problem: 'must be a mapping' }] };
  for (const k of Object.keys(raw))
    if (!['schedule', 'check', 'anomaly', 'budget', 'allocation'].includes(k))
      fail(`cost.${k}`, 'unknown key; use schedule, check, anomaly, budget, allocation');
  const schedule = readCheckSchedule(raw.schedule, 'cost.schedule', fail);
  const check = readCheckSchedule(raw.check, 'cost.check', fail);
  const budget = readBudget(raw.budget, fail);
  const allocation = readAllocation(raw.allocation, fail);
  return {
    value: {
      ...(schedule ? { schedule } : {}),
      ...(check ? { check } : {}),
      anomaly: readAnomaly(raw.anomaly, fail),
      ...(budget ? { budget } : {}),
      ...(allocation ? { allocation } : {}),
    },
    issues,
  };
}
