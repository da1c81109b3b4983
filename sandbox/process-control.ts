import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What `up` records about a process it started, so `down` stops exactly that process and nothing else. */
export interface PidRecord {
  readonly pid: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly startedAt: string;
}

export function pidFile(stateDir: string, name: string): string {
  return join(stateDir, `${name}.pid.json`);
}

export function logFile(stateDir: string, name: string): string {
  return join(stateDir, 'logs', `${name}.log`);
}

/** Starts a detached process with its output appended to its log file and records its pid. */
export async function startDetached(
  stateDir: string,
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  runAs?: { readonly uid: number; readonly gid: number },
): Promise<PidRecord> {
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const fd = openSync(logFile(stateDir, name), 'a');
  try {
    const child = spawn(command, [...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env,
      shell: false,
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const record: PidRecord = { pid: child.pid ?? -1, command, args, startedAt: new Date().toISOString() };
    await writeFile(pidFile(stateDir, name), JSON.stringify(record, null, 2));
    return record;
  } finally {
    closeSync(fd);
  }
}

export async function readPidRecord(stateDir: string, name: string): Promise<PidRecord | undefined> {
  try {
    return JSON.parse(await readFile(pidFile(stateDir, name), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/**
 * True when the recorded pid is alive AND still runs the recorded command: a pid reused by an unrelated
 * process after a reboot must never be signalled.
 */
export async function isOurProcess(record: PidRecord): Promise<boolean> {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return true; // no /proc: the signal-0 probe is all we have
  const argv = cmdline.split('\0').filter(Boolean);
  return argv.some((a) => a === record.command || a.endsWith(`/${record.command.split('/').pop() ?? ''}`));
}

/** Stops a process we started: `signal` (SIGTERM), then SIGKILL after `graceMs`. Returns how it ended. */
export async function stopRecorded(
  stateDir: string,
  name: string,
  graceMs = 10_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<'stopped' | 'killed' | 'not-running'> {
  const record = await readPidRecord(stateDir, name);
  if (!record) return 'not-running';
  if (!(await isOurProcess(record))) {
    await rm(pidFile(stateDir, name), { force: true });
    return 'not-running';
  }
  signalGroup(record.pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(record.pid)) {
      await rm(pidFile(stateDir, name), { force: true });
      return 'stopped';
    }
    await sleep(100);
  }
  signalGroup(record.pid, 'SIGKILL');
  await rm(pidFile(stateDir, name), { force: true });
  return 'killed';
}

/** Signals the process group (the service may have children, e.g. a venv python under a wrapper). */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The last `n` lines of a log file, for "not healthy" answers. */
export async function tailLog(path: string, n = 15): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
