import type { ChangeFreeze } from './environments';

/** A freeze in force at one instant: when this occurrence started and ends (ISO), and why. */
export interface ActiveFreeze {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const WEEK_MINUTES = 7 * 24 * 60;

/** The wall clock in `timeZone` at `now` (Intl: no zone database of our own). */
export function localClock(now: number, timeZone: string): { date: string; weekMinute: number; dayMinute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(now));
  const get = (t: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === t)?.value ?? '';
  const dayMinute = Number(get('hour')) * 60 + Number(get('minute'));
  const weekday = WEEKDAYS.indexOf(get('weekday') as Weekday);
  return { date: `${get('year')}-${get('month')}-${get('day')}`, weekMinute: weekday * 1440 + dayMinute, dayMinute };
}

/** `Fri 16:00` → minutes since Sunday 00:00, or undefined when it is not `<Sun..Sat> HH:MM`. */
export function weekMinuteOf(text: string): number | undefined {
  const m = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) ([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  return WEEKDAYS.indexOf(m[1] as Weekday) * 1440 + Number(m[2]) * 60 + Number(m[3]);
}

/** Whether `timeZone` is one Intl knows (e.g. Europe/Berlin, UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Whole minutes: a window's edges are minutes, the clock has seconds. */
const startOfMinute = (ms: number): number => ms - (ms % 60_000);

/** One occurrence of a freeze: in force at `now`, or the next to come (ISO edges, minutes). */
export interface FreezeOccurrence extends ActiveFreeze {
  /** True when `now` is inside it. */
  readonly now: boolean;
}

/**
 * The occurrence of one freeze in force at `now`, or else its next one; undefined when it is over (a fixed window or
 * a holiday in the past) or malformed. A fixed window (ISO from/to), a weekly window in a time zone (`Fri 16:00` →
 * `Mon 08:00`, wrapping over the weekend) or a whole day in a time zone (a holiday). Pure, so workflows call it on
 * their deterministic clock. The edges of a recurring one are counted in minutes from now, so across a
 * daylight-saving change before or inside the window they may be off by that hour (the check at an instant is exact).
 */
export function occurrenceOf(f: ChangeFreeze, now: number): FreezeOccurrence | undefined {
  const base = startOfMinute(now);
  if (f.kind === 'weekly') {
    const from = weekMinuteOf(f.from);
    const to = weekMinuteOf(f.to);
    if (from === undefined || to === undefined) return undefined;
    const at = localClock(now, f.timeZone).weekMinute;
    const since = (at - from + WEEK_MINUTES) % WEEK_MINUTES;
    const length = (to - from + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
    const reason = `${f.reason} (every ${f.from} → ${f.to} ${f.timeZone})`;
    if (since < length)
      return { from: iso(base - since * 60_000), to: iso(base + (length - since) * 60_000), reason, now: true };
    const start = base + (WEEK_MINUTES - since) * 60_000;
    return { from: iso(start), to: iso(start + length * 60_000), reason, now: false };
  }
  if (f.kind === 'date') {
    const clock = localClock(now, f.timeZone);
    if (f.date < clock.date) return undefined;
    const days = Math.round((Date.parse(f.date) - Date.parse(clock.date)) / 86_400_000);
    const start = base - clock.dayMinute * 60_000 + days * 86_400_000;
    return {
      from: iso(start),
      to: iso(start + 1440 * 60_000),
      reason: `${f.reason} (${f.date} ${f.timeZone})`,
      now: days === 0,
    };
  }
  if (now >= Date.parse(f.to)) return undefined;
  return { from: f.from, to: f.to, reason: f.reason, now: Date.parse(f.from) <= now };
}

/** The freeze in force at `now`, if any: the first configured freeze whose occurrence holds `now`. */
export function activeFreezeAt(freezes: readonly ChangeFreeze[], now: number): ActiveFreeze | undefined {
  for (const f of freezes) {
    const o = occurrenceOf(f, now);
    if (o?.now) return { from: o.from, to: o.to, reason: o.reason };
  }
  return undefined;
}

/** How a freeze is written, in words: `every Fri 16:00 → Mon 08:00 Europe/Berlin`, `2026-12-25 (Europe/Berlin)`. */
export function describeFreeze(f: ChangeFreeze): string {
  if (f.kind === 'weekly') return `every ${f.from} → ${f.to} ${f.timeZone}: ${f.reason}`;
  if (f.kind === 'date') return `${f.date}, the whole day in ${f.timeZone}: ${f.reason}`;
  return `${f.from} → ${f.to}: ${f.reason}`;
}

/** `freezes {env}`: the environment's change freezes as the worker's config has them, at one instant. */
export interface FreezesReport {
  readonly environment: string;
  readonly checkedAt: string;
  /** The freeze that refuses writes now (the first in force, as the write workflows' check finds it). */
  readonly active?: ActiveFreeze;
  readonly freezes: readonly {
    readonly description: string;
    /** In force now, or the next to come; absent when it is over. */
    readonly occurrence?: FreezeOccurrence;
  }[];
}

export function freezesReport(environment: string, freezes: readonly ChangeFreeze[], now: number): FreezesReport {
  const active = activeFreezeAt(freezes, now);
  return {
    environment,
    checkedAt: iso(now),
    ...(active ? { active } : {}),
    freezes: freezes.map((f) => {
      const occurrence = occurrenceOf(f, now);
      return { description: describeFreeze(f), ...(occurrence ? { occurrence } : {}) };
    }),
  };
}
