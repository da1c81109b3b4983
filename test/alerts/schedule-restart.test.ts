/**
 * A Temporal restart between two ticks of a drift schedule does not duplicate a check (issue 16): the real Temporal
 * dev server of the test sandbox is stopped for several ticks and started again (the sandbox's own restart, as in
 * test/e2e/temporal-restart.test.ts); every tick runs at most once, and the catch-up after the outage takes at most one
 * of the missed ticks (overlap SKIP, catch-up window 2 min), not one per missed interval.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import { up } from '../../sandbox/manager';
import { sleep, stopRecorded } from '../../sandbox/process-control';
import { temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import { ensureSchedules, scheduleIdOf } from '../../worker/schedules';
import type { RunningWorker } from '../support/sandbox';
import { eventually, startWorker, testClient, testConfig } from '../support/sandbox';

const EVERY_S = 5;

interface Run {
  readonly workflowId: string;
  /** The tick it ran for: Temporal appends the nominal time to the schedule action's workflow id. */
  readonly tick: number;
  readonly startedAt: number;
  readonly status: string;
}

let config: AppConfig;
let client: Client;
let worker: RunningWorker | undefined;
let id = '';

async function runs(c: Client): Promise<Run[]> {
  const out: Run[] = [];
  const query = `WorkflowType = 'scheduledDriftWorkflow' AND TaskQueue = '${config.temporal.taskQueue}'`;
  for await (const w of c.workflow.list({ query })) {
    const tick = Date.parse(w.workflowId.slice(id.length + 1));
    out.push({ workflowId: w.workflowId, tick, startedAt: w.startTime.getTime(), status: w.status.name });
  }
  return out.sort((a, b) => a.tick - b.tick);
}

beforeAll(async () => {
  // No catalog stacks: each scheduled check is quick and touches nothing of other tests.
  config = {
    ...testConfig(),
    stacks: {},
    drift: { ignore: [], concurrency: 2, pollMs: 100, schedule: { dev: { everySeconds: EVERY_S, jitterSeconds: 0 } } },
  };
  client = await testClient(config);
  worker = await startWorker(config);
  id = scheduleIdOf(config, 'drift', 'dev');
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(id)
    .delete()
    .catch(() => undefined);
  await worker?.stop();
  await client?.connection.close();
});

test('GIVEN a drift schedule every 5 s WHEN Temporal is down for several ticks and restarts THEN no tick runs twice and the catch-up is one run, not a burst', async () => {
  const settings = JSON.parse(
    readFileSync(join(process.env.INFRA_AGENT_TEST_DIR!, 'sandbox.json'), 'utf8'),
  ) as SandboxSettings;
  expect(await ensureSchedules(client, config)).toEqual([{ scheduleId: id, environment: 'dev', result: 'created' }]);
  await eventually(
    async () => {
      const r = await runs(client);
      return r.filter((x) => x.status === 'COMPLETED').length >= 2 ? r : undefined;
    },
    30_000,
    'two scheduled runs before the outage',
  );

  // The outage: the worker goes too (it would only retry its polls), Temporal is stopped for more than 3 ticks.
  await worker?.stop();
  worker = undefined;
  await client.connection.close();
  expect(await stopRecorded(settings.stateDir, 'temporal')).toBe('stopped');
  const downAt = Date.now();
  await sleep(EVERY_S * 3_000 + 2_000);
  await up(settings, [temporalService(settings)], () => undefined);
  const upAt = Date.now();
  client = await testClient(config);
  worker = await startWorker(config);

  // Two more ticks after the restart, then the schedule is paused so the count is final.
  await sleep(EVERY_S * 2_000 + 2_000);
  await client.schedule.getHandle(id).pause('test done');
  const all = await eventually(
    async () => {
      const r = await runs(client);
      return r.every((x) => x.status !== 'RUNNING') ? r : undefined;
    },
    30_000,
    'the last scheduled runs to finish',
  );

  process.stdout.write(
    `[schedule-restart] down ${((upAt - downAt) / 1000).toFixed(1)} s (${Math.floor((upAt - downAt) / 1000 / EVERY_S)} ticks missed); ` +
      `runs: ${all.map((r) => `${new Date(r.tick).toISOString().slice(11, 19)}@+${((r.startedAt - r.tick) / 1000).toFixed(1)}s`).join(', ')}; ` +
      `caught up ${all.filter((r) => r.startedAt - r.tick > 2_000).length}, after restart ${all.filter((r) => r.startedAt >= upAt).length}\n`,
  );
  // No tick ran twice (one workflow per nominal time), and every run completed.
  const ticks = all.map((r) => r.tick);
  expect(new Set(ticks).size).toBe(ticks.length);
  expect(all.every((r) => Number.isFinite(r.tick) && r.status === 'COMPLETED')).toBe(true);
  // Of the ≥ 3 ticks missed while Temporal was down, at most one was caught up: a caught-up run starts late (the
  // others start within a fraction of a second of their tick; a tick due just as Temporal came back is on time).
  const caughtUp = all.filter((r) => r.startedAt - r.tick > 2_000);
  expect(caughtUp.length).toBeLessThanOrEqual(1);
  expect(all.filter((r) => r.tick > downAt && r.tick < upAt - 2_000).length).toBeLessThanOrEqual(1);
  // No burst after the restart: what ran after it is the ticks due since then, plus at most that one catch-up.
  const after = all.filter((r) => r.startedAt >= upAt);
  const dueSince = all.filter((r) => r.tick >= upAt).length;
  expect(after.length).toBeLessThanOrEqual(dueSince + 1);
  // And the schedule went on ticking after the restart.
  expect(dueSince).toBeGreaterThanOrEqual(1);
}, 180_000);
