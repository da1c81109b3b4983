import { existsSync, mkdirSync } from 'node:fs';
import { describeOwner, findPortOwner, isPortFree } from './port-owner';
import { isOurProcess, logFile, readPidRecord, sleep, startDetached, stopRecorded, tailLog } from './process-control';
import type { ServiceSpec } from './services';
import type { SandboxSettings } from './settings';

/** A situation `up` cannot fix by itself; the message says what happened and what to do. */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  constructor(
    readonly service: string,
    readonly reason: 'binary-missing' | 'port-taken' | 'unhealthy' | 'exited',
    message: string,
  ) {
    super(message);
  }
}

export interface ServiceStatus {
  readonly name: string;
  readonly state: 'healthy' | 'unhealthy' | 'stopped';
  readonly pid?: number;
  readonly url: string;
  readonly extra?: Readonly<Record<string, string>>;
  readonly log: string;
}

type Log = (line: string) => void;

/**
 * Starts every service that is not already running and waits until each answers.
 * A service this sandbox already runs (same state dir) is left alone, so `up` is idempotent.
 * Nothing is left half-started: every service to start is checked (binary, ports) before the first starts, and when
 * one still fails, the services this call started are stopped again before the error is thrown.
 */
export async function up(settings: SandboxSettings, services: readonly ServiceSpec[], log: Log): Promise<void> {
  mkdirSync(settings.stateDir, { recursive: true });
  for (const svc of services) {
    const record = await readPidRecord(settings.stateDir, svc.name);
    if (!(record && (await isOurProcess(record)))) await checkStartable(svc);
  }
  const startedNow: string[] = [];
  try {
    await startAll(settings, services, log, startedNow);
  } catch (e) {
    const stopped: string[] = [];
    for (const name of [...startedNow].reverse()) {
      const r = await stopRecorded(settings.stateDir, name, 3000).catch(() => 'not-running' as const);
      if (r !== 'not-running') stopped.unshift(name);
    }
    if (stopped.length) log(`[sandbox] stopped ${stopped.join(', ')} again: the sandbox did not come up`);
    throw e;
  }
}

async function startAll(
  settings: SandboxSettings,
  services: readonly ServiceSpec[],
  log: Log,
  startedNow: string[],
): Promise<void> {
  for (const svc of services) {
    const t0 = Date.now();
    const record = await readPidRecord(settings.stateDir, svc.name);
    if (record && (await isOurProcess(record))) {
      if (await waitHealthy(svc, 5)) {
        log(`[sandbox] ${svc.name.padEnd(8)} already running (pid ${record.pid}) at ${svc.url}`);
        continue;
      }
      throw new SandboxError(
        svc.name,
        'unhealthy',
        `${svc.name} is running (pid ${record.pid}) but does not answer at ${svc.url}.\n` +
          `Last log lines (${logFile(settings.stateDir, svc.name)}):\n${await tailLog(logFile(settings.stateDir, svc.name))}\n` +
          `Try: npm run sandbox -- down && npm run sandbox -- up`,
      );
    }
    await checkStartable(svc);
    const started = await startDetached(settings.stateDir, svc.name, svc.command, svc.args);
    startedNow.push(svc.name);
    if (!(await waitHealthy(svc, settings.healthTimeoutSec, started.pid))) {
      const alive = await isOurProcess(started);
      const tail = await tailLog(logFile(settings.stateDir, svc.name));
      if (alive) await stopRecorded(settings.stateDir, svc.name, 3000);
      throw new SandboxError(
        svc.name,
        alive ? 'unhealthy' : 'exited',
        `${svc.name} ${alive ? `was not healthy within ${settings.healthTimeoutSec}s (stopped it again)` : 'exited during start-up'}.\n` +
          `Last log lines (${logFile(settings.stateDir, svc.name)}):\n${tail || '(empty log)'}\n` +
          `Raise the wait with INFRA_AGENT_HEALTH_TIMEOUT=<seconds> if the machine is busy.`,
      );
    }
    const extra = svc.extra
      ? ' ' +
        Object.entries(svc.extra)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')
      : '';
    log(
      `[sandbox] ${svc.name.padEnd(8)} healthy at ${svc.url}${extra} (pid ${started.pid}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
  }
}

/** Refuses to start when the binary is missing or a port is held by someone else. */
async function checkStartable(svc: ServiceSpec): Promise<void> {
  if (svc.command.includes('/') && !existsSync(svc.command)) {
    throw new SandboxError(
      svc.name,
      'binary-missing',
      `${svc.name}: binary not found at ${svc.command}.\nInstall it with: ${svc.installHint}`,
    );
  }
  for (const port of svc.ports) {
    if (!(await isPortFree(port))) {
      const owner = await findPortOwner(port);
      throw new SandboxError(
        svc.name,
        'port-taken',
        `${svc.name}: port ${port} on 127.0.0.1 is already taken by ${describeOwner(owner)}.\n` +
          `Stop that process, or choose other ports (INFRA_AGENT_TEMPORAL_PORT, INFRA_AGENT_TEMPORAL_UI_PORT, INFRA_AGENT_MOTO_PORT, INFRA_AGENT_REGISTRY_PORT, INFRA_AGENT_OPENCOST_PORT).`,
      );
    }
  }
}

async function waitHealthy(svc: ServiceSpec, timeoutSec: number, pid?: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSec * 1000;
  while (Date.now() < deadline) {
    if (await svc.healthy()) return true;
    if (pid !== undefined) {
      try {
        process.kill(pid, 0);
      } catch {
        return false; // exited: no point waiting
      }
    }
    await sleep(250);
  }
  return false;
}

/** Stops only the processes this sandbox started (pid files in its state dir). */
export async function down(settings: SandboxSettings, services: readonly ServiceSpec[], log: Log): Promise<void> {
  for (const svc of [...services].reverse()) {
    const outcome = await stopRecorded(settings.stateDir, svc.name);
    log(`[sandbox] ${svc.name.padEnd(8)} ${outcome}`);
  }
}

export async function status(settings: SandboxSettings, services: readonly ServiceSpec[]): Promise<ServiceStatus[]> {
  const result: ServiceStatus[] = [];
  for (const svc of services) {
    const record = await readPidRecord(settings.stateDir, svc.name);
    const running = record !== undefined && (await isOurProcess(record));
    const state = !running ? 'stopped' : (await svc.healthy()) ? 'healthy' : 'unhealthy';
    result.push({
      name: svc.name,
      state,
      ...(running && record ? { pid: record.pid } : {}),
      url: svc.url,
      ...(svc.extra ? { extra: svc.extra } : {}),
      log: logFile(settings.stateDir, svc.name),
    });
  }
  return result;
}
