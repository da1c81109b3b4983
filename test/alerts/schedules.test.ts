/**
 * Scheduled checks as Temporal Schedules (real Temporal): created once across two worker starts, updated in place
 * when the config changes (a person's pause kept), paused and resumed by command (a paused schedule takes no
 * action), deleted when the config no longer asks for it; and the permission rule for schedule identities.
 */
import type { Client } from '@temporalio/client';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { checkPermission } from '../../core/commands/policy';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import { readDriftConfig } from '../../core/drift/settings';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { ensureSchedules, scheduleIdOf, scheduleRequester } from '../../worker/schedules';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig } from '../support/sandbox';

let config: AppConfig;
let client: Client;
let worker: RunningWorker;
let session: GatewaySession;
let id = '';

/** The config with a drift schedule for dev (seconds; below the config's minimum, which only the loader enforces). */
const withSchedule = (c: AppConfig, everySeconds: number, jitterSeconds = 0): AppConfig => ({
  ...c,
  drift: { ignore: [], concurrency: 2, pollMs: 100, schedule: { dev: { everySeconds, jitterSeconds } } },
});

async function run(line: string, who: Requester): Promise<CommandResult> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return session.gateway.execute(parsed.command, who);
}

beforeAll(async () => {
  // No catalog stacks, services or releases: a run of the scheduled check is quick and touches nothing of other tests.
  config = withSchedule({ ...testConfig(), stacks: {}, services: {}, releases: {} }, 3600, 60);
  client = await testClient(config);
  worker = await startWorker(config);
  session = await openGateway(config);
  id = scheduleIdOf(config, 'drift', 'dev');
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(id)
    .delete()
    .catch(() => undefined);
  await session?.close();
  await worker?.stop();
  await client?.connection.close();
});

describe('scheduled drift checks as Temporal Schedules', () => {
  test('GIVEN drift.schedule.dev WHEN the worker starts twice THEN one schedule: created, then unchanged; SKIP overlap, small catch-up', async () => {
    expect(await ensureSchedules(client, config)).toEqual([{ scheduleId: id, environment: 'dev', result: 'created' }]);
    expect(await ensureSchedules(client, config)).toEqual([
      { scheduleId: id, environment: 'dev', result: 'unchanged' },
    ]);
    const d = await client.schedule.getHandle(id).describe();
    expect(d.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(d.policies.catchupWindow).toBe(120_000);
    expect(d.spec.intervals?.[0]?.every).toBe(3_600_000);
    expect(d.spec.jitter).toBe(60_000);
    expect(d.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledDriftWorkflow' });
    const args = (d.action as { args: { requester: Requester; environment: string }[] }).args;
    expect(args[0]).toMatchObject({ environment: 'dev', requester: { via: 'schedule', userId: 'schedule:drift-dev' } });
    const ids: string[] = [];
    for await (const s of client.schedule.list())
      if (s.scheduleId.startsWith(config.temporal.taskQueue)) ids.push(s.scheduleId);
    expect(ids).toEqual([id]);
  });

  test('WHEN alice pauses it THEN `schedules` says PAUSED with who; an unknown user may not resume it; a config change updates it and keeps the pause', async () => {
    const paused = await run('pause schedule drift dev', person('alice'));
    expect(paused).toMatchObject({ kind: 'schedules', action: 'paused', schedules: [{ paused: true }] });
    const listed = renderResult({ name: 'schedules' }, await run('schedules', person('mallory')), 'mallory').text;
    expect(listed).toContain(`drift dev (${id}): PAUSED, every 1h`);
    expect(listed).toContain('paused by alice (cli)');
    await expect(run('resume schedule drift dev', person('mallory'))).rejects.toMatchObject({
      name: 'PermissionDenied',
      policy: 'unknown-user',
    });
    const changed = withSchedule(config, 7200, 60);
    expect(await ensureSchedules(client, changed)).toEqual([{ scheduleId: id, environment: 'dev', result: 'updated' }]);
    const d = await client.schedule.getHandle(id).describe();
    expect(d.spec.intervals?.[0]?.every).toBe(7_200_000);
    expect(d.state.paused).toBe(true);
    expect(await ensureSchedules(client, changed)).toEqual([
      { scheduleId: id, environment: 'dev', result: 'unchanged' },
    ]);
    const records = await session.audit.tail(100);
    expect(records.find((r) => r.action === 'schedule-paused' && r.target === id)).toMatchObject({ actor: 'alice' });
  });

  test('GIVEN a 1 s cadence WHEN paused THEN no run is taken; WHEN resumed THEN the check runs', async () => {
    const fast = withSchedule(config, 1);
    expect(await ensureSchedules(client, fast)).toEqual([{ scheduleId: id, environment: 'dev', result: 'updated' }]);
    const handle = client.schedule.getHandle(id);
    await new Promise((r) => setTimeout(r, 4000));
    const idle = await handle.describe();
    expect(idle.state.paused).toBe(true);
    expect(idle.info.numActionsTaken).toBe(0);
    expect(idle.info.recentActions).toEqual([]);

    await run('resume schedule drift dev', person('bob'));
    const ran = await eventually(
      async () => {
        const d = await handle.describe();
        return d.info.recentActions.length > 0 ? d : undefined;
      },
      20_000,
      'a scheduled run after resume',
    );
    const started = ran.info.recentActions[0]!.action.workflow;
    const result = (await client.workflow.getHandle(started.workflowId, started.firstExecutionRunId).result()) as {
      report: { environment: string };
      alerts: unknown[];
    };
    expect(result.report.environment).toBe('dev');
    expect(result.alerts).toEqual([]);
    await run('pause schedule drift dev', person('bob'));
  });

  test('GIVEN the config no longer asks for it WHEN the worker starts THEN the schedule is deleted', async () => {
    const none: AppConfig = { ...config, drift: { ignore: [], concurrency: 2, pollMs: 100 } };
    expect(await ensureSchedules(client, none)).toEqual([{ scheduleId: id, environment: 'dev', result: 'deleted' }]);
    await expect(client.schedule.getHandle(id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await ensureSchedules(client, none)).toEqual([]);
    await expect(run('pause schedule drift dev', person('alice'))).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});

describe('schedule identities and config', () => {
  test('a schedule may run reads (drift all), never a write or a decision', () => {
    const s = scheduleRequester('drift', 'dev', 'q/drift/dev');
    const caller = { userId: s.userId, displayName: s.displayName, known: false, via: 'schedule' as const };
    expect(checkPermission({ name: 'drift-all', env: 'dev' }, caller)).toBeUndefined();
    expect(checkPermission({ name: 'deploy-stack', stack: 'vpc', env: 'dev' }, caller)).toMatchObject({
      kind: 'schedule-not-read',
    });
    expect(checkPermission({ name: 'schedule-pause', check: 'drift', env: 'dev' }, caller)).toMatchObject({
      kind: 'schedule-not-read',
    });
  });

  test('drift.schedule is read with every/jitter, and bad values name the setting', () => {
    expect(readDriftConfig({ schedule: { dev: { every: '6h', jitter: '10m' } } })).toEqual({
      value: {
        ignore: [],
        concurrency: 8,
        pollMs: 1000,
        schedule: { dev: { everySeconds: 21600, jitterSeconds: 600 } },
      },
      issues: [],
    });
    const bad = readDriftConfig({
      schedule: { qa: { every: '6h' }, dev: { every: '1m' }, prd: { every: '1h', jitter: '2h' } },
    });
    expect(bad.issues.map((i) => i.path)).toEqual([
      'drift.schedule.qa',
      'drift.schedule.dev.every',
      'drift.schedule.prd.jitter',
    ]);
    expect(bad.issues[1]?.problem).toContain('at least 5m');
  });
});
