import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxError, down, status, up } from '../../sandbox/manager';
import { isOurProcess, readPidRecord } from '../../sandbox/process-control';
import { isPortFree } from '../../sandbox/port-owner';
import type { ServiceSpec } from '../../sandbox/services';
import { motoService, temporalService } from '../../sandbox/services';
import { sandboxSettings } from '../../sandbox/settings';
import { freePort } from '../support/ports';

function settingsIn(dir: string, ports: { t: number; ui: number; m: number }, extra: NodeJS.ProcessEnv = {}) {
  return sandboxSettings({
    ...process.env,
    INFRA_AGENT_SANDBOX_DIR: dir,
    INFRA_AGENT_TEMPORAL_PORT: String(ports.t),
    INFRA_AGENT_TEMPORAL_UI_PORT: String(ports.ui),
    INFRA_AGENT_MOTO_PORT: String(ports.m),
    INFRA_AGENT_HEALTH_TIMEOUT: '5',
    ...extra,
  });
}

async function ports() {
  return { t: await freePort(), ui: await freePort(), m: await freePort() };
}

async function expectSandboxError(p: Promise<unknown>): Promise<SandboxError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SandboxError);
    return e as SandboxError;
  }
  throw new Error('expected a SandboxError');
}

describe('sandbox manager', () => {
  it('GIVEN a port held by another process WHEN up THEN names the port and the process holding it', async () => {
    const p = await ports();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(p.m, '127.0.0.1', r));
    try {
      const s = settingsIn(mkdtempSync(join(tmpdir(), 'sbx-')), p);
      const err = await expectSandboxError(up(s, [motoService(s)], () => undefined));
      expect(err.reason).toBe('port-taken');
      expect(err.message).toContain(`port ${p.m} on 127.0.0.1 is already taken by pid ${process.pid}`);
      expect(err.message).toContain('INFRA_AGENT_MOTO_PORT');
    } finally {
      blocker.close();
    }
  });

  /** A small real server on `port` (node), healthy once it answers. */
  const listener = (name: string, port: number): ServiceSpec => ({
    name,
    command: process.execPath,
    args: ['-e', `require('node:http').createServer((_, r) => r.end('ok')).listen(${port}, '127.0.0.1')`],
    ports: [port],
    installHint: '-',
    url: `http://127.0.0.1:${port}`,
    healthy: () =>
      fetch(`http://127.0.0.1:${port}`)
        .then((r) => r.ok)
        .catch(() => false),
  });

  it("GIVEN the last service's port is taken WHEN up THEN nothing is started (every service is checked first)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const s = settingsIn(dir, await ports());
    const [a, b] = [await freePort(), await freePort()];
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(b, '127.0.0.1', r));
    try {
      const err = await expectSandboxError(up(s, [listener('first', a), listener('second', b)], () => undefined));
      expect(err.reason).toBe('port-taken');
      expect(err.service).toBe('second');
      expect(await readPidRecord(s.stateDir, 'first')).toBeUndefined();
      expect(await isPortFree(a)).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it('GIVEN a later service dies at start-up WHEN up THEN the ones this call started are stopped again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const s = settingsIn(dir, await ports());
    const a = await freePort();
    const dies: ServiceSpec = { ...listener('dies', await freePort()), args: ['-e', 'process.exit(3)'] };
    const lines: string[] = [];
    const err = await expectSandboxError(up(s, [listener('first', a), dies], (l) => lines.push(l)));
    expect(err.reason).toBe('exited');
    const record = await readPidRecord(s.stateDir, 'first');
    expect(record === undefined || !(await isOurProcess(record))).toBe(true);
    expect(await isPortFree(a)).toBe(true);
    expect(lines.join('\n')).toContain('stopped first again: the sandbox did not come up');
  });

  it('GIVEN the Temporal binary is missing WHEN up THEN says which command installs it', async () => {
    const s = settingsIn(mkdtempSync(join(tmpdir(), 'sbx-')), await ports(), { TEMPORAL_BIN: '/nonexistent/temporal' });
    const err = await expectSandboxError(up(s, [temporalService(s)], () => undefined));
    expect(err.reason).toBe('binary-missing');
    expect(err.message).toContain('binary not found at /nonexistent/temporal');
    expect(err.message).toContain('bash sandbox/bootstrap.sh temporal');
  });

  it('GIVEN a service that dies at start-up WHEN up THEN reports it exited, with its last log lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const s = settingsIn(dir, await ports());
    const broken: ServiceSpec = {
      name: 'broken',
      command: process.execPath,
      args: ['-e', "console.log('listen tcp: bind: permission denied'); process.exit(3)"],
      ports: [],
      installHint: '-',
      url: 'n/a',
      healthy: () => Promise.resolve(false),
    };
    const err = await expectSandboxError(up(s, [broken], () => undefined));
    expect(err.reason).toBe('exited');
    expect(err.message).toContain('broken exited during start-up');
    expect(err.message).toContain('listen tcp: bind: permission denied');
  });

  it('GIVEN a service that never becomes healthy WHEN up THEN gives up after the timeout and stops it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const s = { ...settingsIn(dir, await ports()), healthTimeoutSec: 1 };
    const hung: ServiceSpec = {
      name: 'hung',
      command: process.execPath,
      args: ['-e', "console.log('starting forever'); setInterval(() => {}, 1000)"],
      ports: [],
      installHint: '-',
      url: 'n/a',
      healthy: () => Promise.resolve(false),
    };
    const err = await expectSandboxError(up(s, [hung], () => undefined));
    expect(err.reason).toBe('unhealthy');
    expect(err.message).toContain('was not healthy within 1s');
    expect(err.message).toContain('starting forever');
    expect(await readPidRecord(dir, 'hung')).toBeUndefined();
  });

  it('GIVEN a running sandbox WHEN up again THEN leaves it alone; down stops only what it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sbx-'));
    const s = settingsIn(dir, await ports(), { INFRA_AGENT_HEALTH_TIMEOUT: '30' });
    const svc = [motoService(s)];
    const lines: string[] = [];
    await up(s, svc, (l) => lines.push(l));
    const first = await readPidRecord(dir, 'moto');
    await up(s, svc, (l) => lines.push(l));
    expect(lines[1]).toContain(`already running (pid ${first?.pid})`);
    expect((await status(s, svc))[0]).toMatchObject({ name: 'moto', state: 'healthy', pid: first?.pid });
    await down(s, svc, () => undefined);
    expect((await status(s, svc))[0]?.state).toBe('stopped');
  });
});
