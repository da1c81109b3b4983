import type { CheckSchedule } from '../check-schedule';
import { readCheckSchedule } from '../check-schedule';
import type { DifferenceType, DriftIgnoreRule } from './report';

/** Config `drift:` (docs/drift.md). Absent: no ignore rules, 8 stacks checked at a time. */
export interface DriftConfig {
  /** Differences set aside (and still reported as ignored, with the reason): AWS defaults, list order, AWS tags. */
  readonly ignore: readonly DriftIgnoreRule[];
  /** How many stacks `drift all` checks at the same time (CloudFormation limits concurrent detections). */
  readonly concurrency: number;
  /** How often the drift activity polls DescribeStackDriftDetectionStatus. */
  readonly pollMs: number;
  /** Scheduled drift checks per environment (`drift.schedule.dev: { every: 6h, jitter: 10m }`); absent: none. */
  readonly schedule?: Readonly<Partial<Record<'dev' | 'tst' | 'prd', CheckSchedule>>>;
}

export type { CheckSchedule };

export const DEFAULT_DRIFT_CONFIG: DriftConfig = { ignore: [], concurrency: 8, pollMs: 1000 };

interface Issue {
  readonly path: string;
  readonly problem: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const TYPES: readonly DifferenceType[] = ['ADD', 'REMOVE', 'NOT_EQUAL'];
const RULE_KEYS = ['name', 'reason', 'resourceType', 'path', 'type', 'actualMatches', 'orderOnly'];

function readRule(
  raw: unknown,
  at: string,
  fail: (path: string, problem: string) => void,
): DriftIgnoreRule | undefined {
  if (!isObj(raw)) {
    fail(at, 'must be a mapping with name, reason and what to match (resourceType, path, type, actualMatches)');
    return undefined;
  }
  for (const k of Object.keys(raw))
    if (!RULE_KEYS.includes(k)) fail(`${at}.${k}`, `unknown key; use one of ${RULE_KEYS.join(', ')}`);
  const str = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') fail(`${at}.${k}`, 'must be a non-empty string');
    return typeof v === 'string' ? v : undefined;
  };
  const name = str('name');
  const reason = str('reason');
  if (!name) fail(`${at}.name`, 'is missing; a short name shown next to what the rule ignores');
  if (!reason) fail(`${at}.reason`, 'is missing; say why these differences are noise (it is shown to people)');
  const type = str('type');
  if (type !== undefined && !TYPES.includes(type as DifferenceType))
    fail(`${at}.type`, `'${type}' is not a difference type; use ${TYPES.join(', ')}`);
  const actualMatches = str('actualMatches');
  if (actualMatches !== undefined) {
    try {
      new RegExp(actualMatches);
    } catch {
      fail(`${at}.actualMatches`, `'${actualMatches}' is not a regular expression`);
    }
  }
  const orderOnly = raw.orderOnly;
  if (orderOnly !== undefined && typeof orderOnly !== 'boolean') fail(`${at}.orderOnly`, 'must be true or false');
  const resourceType = str('resourceType');
  const path = str('path');
  if (!resourceType && !path && !type && !actualMatches && orderOnly !== true)
    fail(at, 'matches every difference; give at least one of resourceType, path, type, actualMatches, orderOnly');
  if (!name || !reason) return undefined;
  return {
    name,
    reason,
    ...(resourceType ? { resourceType } : {}),
    ...(path ? { path } : {}),
    ...(type ? { type: type as DifferenceType } : {}),
    ...(actualMatches ? { actualMatches } : {}),
    ...(orderOnly === true ? { orderOnly: true } : {}),
  };
}

/** Reads config `drift:`; every problem names its setting. */
export function readDriftConfig(raw: unknown): { value: DriftConfig; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string) => void issues.push({ path, problem });
  if (raw === undefined || raw === null) return { value: DEFAULT_DRIFT_CONFIG, issues };
  if (!isObj(raw)) return { value: DEFAULT_DRIFT_CONFIG, issues: [{ path: 'drift', problem: 'must be a mapping' }] };
  const ignoreRaw = raw.ignore ?? [];
  if (!Array.isArray(ignoreRaw)) fail('drift.ignore', 'must be a list of rules');
  const ignore = (Array.isArray(ignoreRaw) ? ignoreRaw : [])
    .map((r, i) => readRule(r, `drift.ignore[${i}]`, fail))
    .filter((r): r is DriftIgnoreRule => r !== undefined);
  const names = ignore.map((r) => r.name);
  for (const n of names.filter((n, i) => names.indexOf(n) !== i))
    fail('drift.ignore', `rule name '${n}' is used twice`);
  const int = (k: string, fallback: number, min: number, max: number): number => {
    const v = raw[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      fail(`drift.${k}`, `must be an integer from ${min} to ${max}, got '${JSON.stringify(v)}'`);
      return fallback;
    }
    return v;
  };
  for (const k of Object.keys(raw))
    if (!['ignore', 'concurrency', 'pollMs', 'schedule'].includes(k))
      fail(`drift.${k}`, 'unknown key; use ignore, concurrency, pollMs, schedule');
  const schedule = readCheckSchedule(raw.schedule, 'drift.schedule', fail);
  return {
    value: {
      ignore,
      concurrency: int('concurrency', DEFAULT_DRIFT_CONFIG.concurrency, 1, 50),
      pollMs: int('pollMs', DEFAULT_DRIFT_CONFIG.pollMs, 50, 60_000),
      ...(schedule ? { schedule } : {}),
    },
    issues,
  };
}
