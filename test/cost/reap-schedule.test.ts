import { randomBytes } from 'node:crypto';
import { DescribeSnapshotsCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import { DEFAULT_IDLE_CONFIG, KEEP_UNTIL_TAG, REAPED_FROM_TAG } from '../../core/cost/idle';
import type { OperationState } from '../../core/operations';
import { ActionIds } from '../../presentation/slack/ids';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { ensureSchedules, scheduledReapInput, scheduleIdOf } from '../../worker/schedules';
import type { ScheduledReapResult } from '../../workflows/reap-schedule';
import { scheduledReapWorkflow } from '../../workflows';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, taskQueueOf, testClient, testConfig } from '../support/sandbox';
import { idleAws } from './idle-env';

/**
 * The scheduled reap (issue 18 item 6), DEV only: a Temporal Schedule made from `idle.reap.schedule.dev` runs what
 * `idle dev` finds reapable through the same reap a person starts — the notice in the channel with Keep, the
 * deletion after it unless kept. Real Temporal (the Schedule triggered), the sandbox's moto, the fake Slack.
 */
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let client: Client;
let fake: FakeSlack;
let aws: ReturnType<typeof idleAws>;
const tag = randomBytes(3).toString('hex');
const NOTICE_SECONDS = 8;
const DAILY = { everySeconds: 86_400, jitterSeconds: 0 };

const exists = async (id: string): Promise<boolean> => {
  try {
    return ((await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes ?? []).length > 0;
  } catch (e) {
    if ((e as Error).name === 'InvalidVolume.NotFound') return false;
    throw e;
  }
};

/** The result of the Schedule's latest run (its workflow id is the schedule id and the scheduled time). */
async function lastRun(scheduleId: string, after: number): Promise<ScheduledReapResult & { workflowId: string }> {
  const runId = await eventually(async () => {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const recent = d.info.recentActions.filter((a) => a.takenAt.getTime() >= after).at(-1);
    return recent?.action.workflow.workflowId;
  }, 30_000);
  return { ...((await client.workflow.getHandle(runId).result()) as ScheduledReapResult), workflowId: runId };
}

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(testConfig(), fake);
  config = {
    ...base,
    idle: {
      ...DEFAULT_IDLE_CONFIG,
      reap: { noticeSeconds: NOTICE_SECONDS, keepSeconds: 30 * 86_400 },
      reapSchedule: { dev: DAILY },
    },
  };
  aws = idleAws(config);
  worker = await startWorker(config);
  session = await openGateway(config);
  client = await testClient(config);
}, 120_000);
afterAll(async () => {
  for (const env of ['dev', 'tst', 'prd'] as const)
    await client?.schedule
      .getHandle(scheduleIdOf(config, 'reap', env))
      .delete()
      .catch(() => undefined);
  aws?.destroy();
  await session?.close();
  await worker?.stop();
  await fake?.stop();
}, 60_000);

describe('the scheduled reap (DEV only)', () => {
  it('GIVEN idle.reap.schedule.dev WHEN its Schedule runs THEN each idle volume gets the notice with Keep; a kept one stays, the other is snapshotted and deleted after the notice', async () => {
    const doomed = await aws.volume('dev', `sched-reap-${tag}`, 20, 'gp3');
    const keeper = await aws.volume('dev', `sched-keep-${tag}`, 20, 'gp3');
    const prdVolume = await aws.volume('prd', `sched-prd-${tag}`, 20, 'gp3');
    const id = scheduleIdOf(config, 'reap', 'dev');
    expect(await ensureSchedules(client, config)).toEqual([{ scheduleId: id, environment: 'dev', result: 'created' }]);
    const before = Date.now() - 1000;
    await client.schedule.getHandle(id).trigger();
    const run = await lastRun(id, before);
    expect(run.started).toEqual(expect.arrayContaining([doomed, keeper]));
    expect(run.started).not.toContain(prdVolume);

    // The notices: the reap's own message in the dev channel, with the Keep button and the line that does the same.
    const channel = config.environments.dev.slack.channel!;
    for (const vol of [doomed, keeper]) {
      const notice = await poll(
        () =>
          fake
            .messagesIn(channel)
            .find(
              (m) =>
                !m.threadTs &&
                m.text.includes(`Reap ${vol}`) &&
                JSON.stringify(m.blocks).includes(`"${ActionIds.reapKeep}"`),
            ),
        30_000,
        `the notice of ${vol} with Keep`,
      );
      expect(JSON.stringify(notice.blocks)).toContain(`keep ${vol} dev`);
    }

    // Keep one during its notice (as the button does: `keep <vol> dev` for a user).
    const parsed = session.gateway.parse(`keep ${keeper} dev`);
    if (!parsed.ok) throw new Error(parsed.error);
    const kept = await session.gateway.execute(parsed.command, person('alice'));
    expect(kept).toMatchObject({ kind: 'decided', action: 'kept' });

    const endOf = (vol: string) => client.workflow.getHandle(`reap/dev/${vol}`).result() as Promise<OperationState>;
    const [gone, stayed] = await Promise.all([endOf(doomed), endOf(keeper)]);
    expect(gone.outcome).toBe('succeeded');
    expect(stayed.outcome).toBe('cancelled');
    expect(stayed.requester.via).toBe('schedule');
    expect(await exists(doomed)).toBe(false);
    const snaps = await aws.ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${REAPED_FROM_TAG}`, Values: [doomed] }] }),
    );
    expect(snaps.Snapshots).toHaveLength(1);
    expect(gone.message).toBe(`${doomed} is deleted; its snapshot ${snaps.Snapshots?.[0]?.SnapshotId} keeps the data`);
    const k = (await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [keeper] }))).Volumes?.[0];
    expect(k?.Tags?.find((t) => t.Key === KEEP_UNTIL_TAG)?.Value).toBeDefined();
    expect(await exists(prdVolume)).toBe(true);

    // The next run: the kept volume is left alone, the reaped one is not found again.
    const again = Date.now() - 1000;
    await client.schedule.getHandle(id).trigger();
    const next = await lastRun(id, again);
    expect(next.kept).toContain(keeper);
    expect(next.started).not.toContain(keeper);
    expect(next.started).not.toContain(doomed);
    // The first run, which started the two reaps (child workflows, abandoned on close).
    await replayAndMaybeRecord(client, run.workflowId, 'scheduled-reap-started');
  }, 120_000);

  it('GIVEN a reap schedule for tst or prd in a config built in code (the loader refuses it) THEN no Schedule is made', async () => {
    for (const env of ['tst', 'prd'] as const) {
      const asked: AppConfig = { ...config, idle: { ...config.idle!, reapSchedule: { [env]: DAILY } } };
      await expect(ensureSchedules(client, asked)).rejects.toThrow(
        new RegExp(
          `idle\\.reap\\.schedule\\.${env}: reap is refused in ${env.toUpperCase()}: the reaper runs in DEV only`,
        ),
      );
      expect(() => scheduledReapInput(asked, env)).toThrow(/the reaper runs in DEV only/);
      await expect(client.schedule.getHandle(scheduleIdOf(asked, 'reap', env)).describe()).rejects.toThrow(
        /not found/i,
      );
    }
  });

  it('GIVEN the scheduled reap started for prd by any other path THEN it refuses in code: nothing looked at, no reap started', async () => {
    const prdVolume = await aws.volume('prd', `sched-prd2-${tag}`, 20, 'gp3');
    const workflowId = `test-scheduled-reap-prd-${tag}`;
    const result = await client.workflow.execute(scheduledReapWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [{ ...scheduledReapInput(config, 'dev'), environment: 'prd' }],
    });
    expect(result.refused).toMatch(/^reap is refused in PRD: the reaper runs in DEV only, whatever the config says/);
    expect(result.started).toEqual([]);
    expect(await taskQueueOf(client, `reap/prd/${prdVolume}`)).toBeUndefined();
    expect(await exists(prdVolume)).toBe(true);
    await replayAndMaybeRecord(client, workflowId, 'scheduled-reap-refused-prd');
  });
});
