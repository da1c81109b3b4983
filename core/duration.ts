const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses "90s", "15m", "1h", "2d" or a plain number of seconds. Returns undefined when malformed. */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd])?\s*$/.exec(value);
  if (!m?.[1]) return undefined;
  const n = Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1);
  return n > 0 ? n : undefined;
}

/** "1h 5m", "45s": short human text for messages. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', rest && !h ? `${rest}s` : ''].filter(Boolean).join(' ');
}
