import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { up } from '../../sandbox/manager';
import { stopRecorded } from '../../sandbox/process-control';
import { temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import { startChildBot, writeBotConfig } from '../support/child-bot';
import type { ChildBot } from '../support/child-bot';
import { startChildWorker } from '../support/child-worker';
import type { ChildWorker } from '../support/child-worker';
import { freePort } from '../support/ports';

jest.setTimeout(240_000);

interface Readiness {
  status: string;
  component: string;
  failed?: string[];
  checks: Record<string, { ok: boolean; error?: string }>;
}

async function get(url: string): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Readiness };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A Temporal dev server of the test's own, to stop while a worker and a bot are connected. */
async function privateTemporal(): Promise<{ port: number; stop: () => Promise<void> }> {
  const shared = JSON.parse(
    readFileSync(join(process.env.INFRA_AGENT_TEST_DIR!, 'sandbox.json'), 'utf8'),
  ) as SandboxSettings;
  const dir = mkdtempSync(join(tmpdir(), 'health-temporal-'));
  const settings: SandboxSettings = {
    ...shared,
    stateDir: dir,
    temporalPort: await freePort(),
    temporalUiPort: await freePort(),
  };
  await up(settings, [temporalService(settings)], () => undefined);
  return {
    port: settings.temporalPort,
    stop: async () => {
      await stopRecorded(dir, 'temporal');
    },
  };
}

describe('/healthz and /readyz', () => {
  it('GIVEN a worker polling the sandbox Temporal THEN /healthz is 200 and /readyz is 200 naming each check', async () => {
    const w = await startChildWorker(`health-${randomUUID()}`);
    try {
      expect(w.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const live = await get(`${w.healthUrl}/healthz`);
      expect(live).toMatchObject({ status: 200, body: { status: 'ok', component: 'worker' } });
      const ready = await until('ready', async () => {
        const r = await get(`${w.healthUrl}/readyz`);
        return r.status === 200 ? r : undefined;
      });
      expect(ready.body.status).toBe('ready');
      expect(Object.keys(ready.body.checks).sort()).toEqual(['store', 'temporal', 'worker']);
      expect(Object.values(ready.body.checks).every((c) => c.ok)).toBe(true);
      expect((await fetch(`${w.healthUrl}/nope`)).status).toBe(404);
      expect(await w.sigterm()).toBe(0);
    } finally {
      await w.kill9();
    }
  });

  it('GIVEN a worker and a bot on a Temporal server WHEN the server stops THEN both /readyz answer 503 naming temporal, /healthz stays 200', async () => {
    const temporal = await privateTemporal();
    const dir = mkdtempSync(join(tmpdir(), 'health-bot-'));
    let w: ChildWorker | undefined;
    let bot: ChildBot | undefined;
    try {
      const env = { INFRA_AGENT_TEMPORAL_PORT: String(temporal.port) };
      w = await startChildWorker(`health-${randomUUID()}`, env);
      const { path } = await writeBotConfig(dir);
      bot = await startChildBot(path, env);
      for (const url of [w.healthUrl, bot.healthUrl])
        await until(`${url} ready`, async () => ((await get(`${url}/readyz`)).status === 200 ? true : undefined));
      const botReady = await get(`${bot.healthUrl}/readyz`);
      expect(botReady.body).toMatchObject({ status: 'ready', component: 'bot' });
      expect(Object.keys(botReady.body.checks).sort()).toEqual(['store', 'temporal']);

      await temporal.stop();
      for (const url of [w.healthUrl, bot.healthUrl]) {
        const r = await until(`${url} not ready`, async () => {
          const x = await get(`${url}/readyz`);
          return x.status === 503 ? x : undefined;
        });
        expect(r.body.status).toBe('not ready');
        expect(r.body.failed).toContain('temporal');
        expect(r.body.checks.temporal?.error).toContain(`127.0.0.1:${temporal.port}`);
        expect(r.body.checks.store?.ok).toBe(true);
        expect((await get(`${url}/healthz`)).status).toBe(200);
      }
    } finally {
      await w?.kill9();
      await bot?.kill9();
      await temporal.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GIVEN a state folder the bot cannot write THEN /readyz is 503 naming store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'health-store-'));
    const { path } = await writeBotConfig(dir);
    const state = join(dir, 'state');
    const bot = await startChildBot(path, { INFRA_AGENT_STATE_DIR: state });
    try {
      await until('ready', async () => ((await get(`${bot.healthUrl}/readyz`)).status === 200 ? true : undefined));
      rmSync(state, { recursive: true, force: true });
      const r = await get(`${bot.healthUrl}/readyz`);
      expect(r.status).toBe(503);
      expect(r.body.failed).toEqual(['store']);
      expect(r.body.checks.store?.error).toContain(state);
    } finally {
      await bot.kill9();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
