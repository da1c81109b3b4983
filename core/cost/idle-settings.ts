import { parseDurationSeconds } from '../duration';
import type { CheckSchedules } from '../check-schedule';
import { readCheckSchedule } from '../check-schedule';
import type { IdleConfig, IdlePrices, IdleThresholds } from './idle';
import { DEFAULT_IDLE_CONFIG } from './idle';

/** Config `idle:` with the reaper's schedule (DEV only: a schedule for tst or prd is refused here and in code). */
export interface IdleSettings extends IdleConfig {
  /** `idle.reap.schedule.dev: { every: 1d }`: a scheduled reap of what `idle dev` finds; absent: none. */
  readonly reapSchedule?: CheckSchedules;
}

interface Issue {
  readonly path: string;
  readonly problem: string;
}
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads config `idle:` (docs/cost.md); every key is optional and falls back to DEFAULT_IDLE_CONFIG. */
export function readIdleConfig(raw: unknown): { value: IdleSettings; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string) => void issues.push({ path, problem });
  if (raw === undefined || raw === null) return { value: DEFAULT_IDLE_CONFIG, issues };
  if (!isObj(raw)) return { value: DEFAULT_IDLE_CONFIG, issues: [{ path: 'idle', problem: 'must be a mapping' }] };
  const known = (o: Obj, at: string, keys: readonly string[]): void => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${at}.${k}`, `unknown key; use ${keys.join(', ')}`);
  };
  known(raw, 'idle', ['prices', 'thresholds', 'reap']);
  const section = (k: string): Obj => {
    const v = raw[k];
    if (v === undefined) return {};
    if (!isObj(v)) fail(`idle.${k}`, 'must be a mapping');
    return isObj(v) ? v : {};
  };
  const num = (o: Obj, at: string, k: string, fallback: number, integer = false): number => {
    const v = o[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
      fail(`${at}.${k}`, `must be a ${integer ? 'whole ' : ''}number ≥ 0, got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };

  const p = section('prices');
  const d = DEFAULT_IDLE_CONFIG.prices;
  known(p, 'idle.prices', [...Object.keys(d)]);
  const ebsRaw = p.ebsGbMonth === undefined ? {} : isObj(p.ebsGbMonth) ? p.ebsGbMonth : undefined;
  if (!ebsRaw) fail('idle.prices.ebsGbMonth', 'must be a mapping of volume type to USD per GiB-month, e.g. gp3: 0.08');
  const ebsGbMonth: Record<string, number> = { ...d.ebsGbMonth };
  for (const k of Object.keys(ebsRaw ?? {})) ebsGbMonth[k] = num(ebsRaw ?? {}, 'idle.prices.ebsGbMonth', k, 0);
  const prices: IdlePrices = {
    ebsGbMonth,
    snapshotGbMonth: num(p, 'idle.prices', 'snapshotGbMonth', d.snapshotGbMonth),
    elasticIpMonth: num(p, 'idle.prices', 'elasticIpMonth', d.elasticIpMonth),
    natGatewayMonth: num(p, 'idle.prices', 'natGatewayMonth', d.natGatewayMonth),
    loadBalancerMonth: num(p, 'idle.prices', 'loadBalancerMonth', d.loadBalancerMonth),
    cpuCoreMonth: num(p, 'idle.prices', 'cpuCoreMonth', d.cpuCoreMonth),
    memoryGbMonth: num(p, 'idle.prices', 'memoryGbMonth', d.memoryGbMonth),
  };

  const t = section('thresholds');
  const dt = DEFAULT_IDLE_CONFIG.thresholds;
  known(t, 'idle.thresholds', [...Object.keys(dt)]);
  const thresholds: IdleThresholds = {
    stoppedInstanceDays: num(t, 'idle.thresholds', 'stoppedInstanceDays', dt.stoppedInstanceDays, true),
    snapshotAgeDays: num(t, 'idle.thresholds', 'snapshotAgeDays', dt.snapshotAgeDays, true),
    trafficDays: Math.max(1, num(t, 'idle.thresholds', 'trafficDays', dt.trafficDays, true)),
  };

  const r = section('reap');
  known(r, 'idle.reap', ['notice', 'keep', 'schedule']);
  const duration = (k: 'notice' | 'keep', fallback: number): number => {
    if (r[k] === undefined) return fallback;
    const s = parseDurationSeconds(r[k]);
    if (s === undefined) {
      fail(`idle.reap.${k}`, `${JSON.stringify(r[k])} is not a duration; use e.g. 24h, 30m, 30d`);
      return fallback;
    }
    return s;
  };
  const reapSchedule = readCheckSchedule(r.schedule, 'idle.reap.schedule', fail);
  for (const env of Object.keys(reapSchedule ?? {}))
    if (env !== 'dev')
      fail(`idle.reap.schedule.${env}`, 'the reaper runs in dev only (TST and PRD are refused in code); remove it');
  return {
    value: {
      prices,
      thresholds,
      reap: {
        noticeSeconds: duration('notice', DEFAULT_IDLE_CONFIG.reap.noticeSeconds),
        keepSeconds: duration('keep', DEFAULT_IDLE_CONFIG.reap.keepSeconds),
      },
      ...(reapSchedule && Object.keys(reapSchedule).length ? { reapSchedule } : {}),
    },
    issues,
  };
}
