import { parseDurationSeconds } from './duration';
import type { EnvironmentName } from './environments';

/**
 * A scheduled check's cadence per environment, as every scheduled check's config writes it
 * (`drift.schedule.<env>`, `security.rescan.schedule.<env>`): every `everySeconds`, up to `jitterSeconds` late.
 */
export interface CheckSchedule {
  readonly everySeconds: number;
  readonly jitterSeconds: number;
  /** Created paused (a person resumes it with `resume schedule <check> <env>`). */
  readonly paused?: boolean;
}

/** A check's schedules by environment; an environment not named has none. */
export type CheckSchedules = Readonly<Partial<Record<EnvironmentName, CheckSchedule>>>;

const SCHEDULE_ENVS = ['dev', 'tst', 'prd'] as const;
/** The shortest cadence a config may ask for (a drift check of many stacks takes minutes). */
export const MIN_EVERY_SECONDS = 300;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `<at>: { dev: { every: 6h, jitter: 10m, paused: false }, ... }`; every problem names its setting under
 * `at` (e.g. `security.rescan.schedule.prd.every`). Absent: undefined (no schedules).
 */
export function readCheckSchedule(
  raw: unknown,
  at: string,
  fail: (path: string, problem: string) => void,
): CheckSchedules | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    fail(at, 'must be a mapping of environment to { every, jitter }, e.g. dev: { every: 6h, jitter: 10m }');
    return undefined;
  }
  const out: Partial<Record<(typeof SCHEDULE_ENVS)[number], CheckSchedule>> = {};
  for (const [env, v] of Object.entries(raw)) {
    const path = `${at}.${env}`;
    if (!(SCHEDULE_ENVS as readonly string[]).includes(env)) {
      fail(path, `'${env}' is not an environment; use ${SCHEDULE_ENVS.join(', ')}`);
      continue;
    }
    if (!isObj(v)) {
      fail(path, 'must be a mapping: { every: 6h, jitter: 10m }');
      continue;
    }
    for (const k of Object.keys(v))
      if (!['every', 'jitter', 'paused'].includes(k)) fail(`${path}.${k}`, 'unknown key; use every, jitter, paused');
    const every = parseDurationSeconds(v.every);
    if (every === undefined || every < MIN_EVERY_SECONDS) {
      fail(
        `${path}.every`,
        `${v.every === undefined ? 'is missing' : `${JSON.stringify(v.every)} is not a cadence`}; give a duration of at least ${MIN_EVERY_SECONDS / 60}m, e.g. 6h`,
      );
      continue;
    }
    const jitter = v.jitter === undefined ? 0 : parseDurationSeconds(v.jitter);
    if (jitter === undefined || jitter >= every) {
      fail(
        `${path}.jitter`,
        `${JSON.stringify(v.jitter)} must be a duration shorter than every (${JSON.stringify(v.every)}), e.g. 10m`,
      );
      continue;
    }
    if (v.paused !== undefined && typeof v.paused !== 'boolean') fail(`${path}.paused`, 'must be true or false');
    out[env as (typeof SCHEDULE_ENVS)[number]] = {
      everySeconds: every,
      jitterSeconds: jitter,
      ...(v.paused === true ? { paused: true } : {}),
    };
  }
  return out;
}
