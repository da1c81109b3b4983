import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export { pct } from './timing';

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** CPU ticks per second for /proc figures (USER_HZ, 100 on Linux). */
const HZ = 100;

/** CPU seconds used so far: this Node process, its reaped child processes (kubectl), and the whole machine. */
export interface CpuSnapshot {
  readonly at: number;
  readonly processS: number;
  readonly childrenS: number;
  /** Busy (non-idle) CPU seconds of the whole machine; NaN off Linux. */
  readonly machineBusyS: number;
}

function procSelf(): { childrenS: number } {
  try {
    // Fields after the ")" of comm: state is field 3; cutime/cstime are fields 16/17.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { childrenS: (Number(f[13]) + Number(f[14])) / HZ };
  } catch {
    return { childrenS: NaN };
  }
}

function machineBusy(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return (v.reduce((a, b) => a + b, 0) - idle) / HZ;
  } catch {
    return NaN;
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const u = process.cpuUsage();
  return {
    at: Date.now(),
    processS: (u.user + u.system) / 1e6,
    childrenS: procSelf().childrenS,
    machineBusyS: machineBusy(),
  };
}

/** CPU between two snapshots: seconds used and cores busy on average over the wall time. */
export interface CpuUse {
  readonly wallS: number;
  readonly processS: number;
  readonly childrenS: number;
  readonly machineBusyS: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  return {
    wallS: (b.at - a.at) / 1000,
    processS: b.processS - a.processS,
    childrenS: b.childrenS - a.childrenS,
    machineBusyS: b.machineBusyS - a.machineBusyS,
  };
}

/** "12.3 cpu-s (0.85 cores)". */
export const cores = (cpuS: number, wallS: number): string =>
  `${cpuS.toFixed(1)} cpu-s (${(cpuS / wallS).toFixed(2)} cores)`;

/** Samples this process's RSS every `ms` and keeps the peak. */
export class RssSampler {
  peak = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;
  constructor(ms = 100) {
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), ms);
  }
  reset(): void {
    this.peak = process.memoryUsage().rss;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

/** The pids the sandbox manager recorded in `stateDir` (`<name>.pid.json`), by service name. */
export function recordedPids(stateDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  let files: string[] = [];
  try {
    files = readdirSync(stateDir).filter((f) => f.endsWith('.pid.json'));
  } catch {
    return out;
  }
  for (const f of files) {
    try {
      const rec = JSON.parse(readFileSync(join(stateDir, f), 'utf8')) as { pid?: number };
      if (rec.pid && rec.pid > 0) out[f.replace(/\.pid\.json$/, '')] = rec.pid;
    } catch {
      /* a file being rewritten */
    }
  }
  return out;
}

/**
 * CPU seconds used so far by each process group whose leader is one of `groups` (a sandbox service is started
 * as its own group; a launcher's children count with it), including their reaped children.
 */
export function groupCpu(groups: Readonly<Record<string, number>>): Record<string, number> {
  const byPgid = new Map(Object.entries(groups).map(([name, pid]) => [pid, name]));
  const out: Record<string, number> = Object.fromEntries(Object.keys(groups).map((n) => [n, 0]));
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = byPgid.get(Number(f[2]));
      if (name === undefined) continue;
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / HZ;
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

export function subtract(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]));
}
