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

/**
 * The freeze in force at `now`, if any: a fixed window (ISO from/to), a weekly window in a time zone (`Fri 16:00` →
 * `Mon 08:00`, wrapping over the weekend) or a whole day in a time zone (a holiday). Pure, so workflows call it on
 * their deterministic clock. The end of a recurring one is counted in minutes from now, so across a daylight-saving
 * change inside the window it may be off by that hour.
 */
export function activeFreezeAt(freezes: readonly ChangeFreeze[], now: number): ActiveFreeze | undefined {
  for (const f of freezes) {
    if (f.kind === 'weekly') {
      const from = weekMinuteOf(f.from);
      const to = weekMinuteOf(f.to);
      if (from === undefined || to === undefined) continue;
      const at = localClock(now, f.timeZone).weekMinute;
      const since = (at - from + WEEK_MINUTES) % WEEK_MINUTES;
      const length = (to - from + WEEK_MINUTES) % WEEK_MINUTES || WEEK_MINUTES;
      if (since < length) {
        const base = startOfMinute(now);
        return {
          from: iso(base - since * 60_000),
          to: iso(base + (length - since) * 60_000),
          reason: `${f.reason} (every ${f.from} → ${f.to} ${f.timeZone})`,
        };
      }
    } else if (f.kind === 'date') {
      const clock = localClock(now, f.timeZone);
      if (clock.date === f.date) {
        const base = startOfMinute(now);
        return {
          from: iso(base - clock.dayMinute * 60_000),
          to: iso(base + (1440 - clock.dayMinute) * 60_000),
          reason: `${f.reason} (${f.date} ${f.timeZone})`,
        };
      }
    } else if (Date.parse(f.from) <= now && now < Date.parse(f.to)) {
      return { from: f.from, to: f.to, reason: f.reason };
    }
  }
  return undefined;
}
