/**
 * The weekly cost report and the daily anomaly and budget check, on the real servers: Cost Explorer in the
 * sandbox's moto answering from line items this file seeds itself (in March 2031, days no other test reads, so the
 * shared seed's numbers stay as they are), the scheduled workflows on real Temporal, alerts and the report in the
 * fake Slack. Expected amounts are summed here from the seeded items, in cents.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import { DEFAULT_ANOMALY_RULE, readCostConfig } from '../../core/cost/settings';
import { judgeDay, median } from '../../core/cost/anomaly';
import type { CostReport } from '../../core/cost/report';
import type { CostLineItem } from '../../sandbox/cost-seed';
import { costLineItems, seedCostExplorer } from '../../sandbox/cost-seed';
import { ensureSchedules, scheduleIdOf, scheduledCostCheckInput } from '../../worker/schedules';
import { scheduledCostCheckWorkflow } from '../../workflows';
import type { ScheduledCostCheckResult } from '../../workflows/cost';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { StoredMessage } from '../support/fake-slack/server';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { startWorker, testClient, testConfig } from '../support/sandbox';

const DAY_MS = 86_400_000;
const dayOffset = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const usd = (cents: number): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

/** Days no other test reads: the check runs "on" these todays, over data seeded here. */
const SPIKE_TODAY = '2031-03-16';
const SPIKE_DAY = '2031-03-15';
const QUIET_TODAY = '2031-03-10';
const SPIKE: CostLineItem = {
  Date: SPIKE_DAY,
  Service: 'AWS Lambda',
  Tags: { Environment: 'dev', Service: 'payments-api' },
  Amount: '900.00',
  Unit: 'USD',
};

let fake: FakeSlack;
let config: AppConfig;
let worker: RunningWorker;
let client: Client;
let alerts = '';
let items: CostLineItem[] = [];

const cents = (i: CostLineItem): number => Math.round(Number(i.Amount) * 100);
const devDay = (date: string): number =>
  items.filter((i) => i.Tags.Environment === 'dev' && i.Date === date).reduce((a, i) => a + cents(i), 0);

async function seed(list: readonly CostLineItem[]): Promise<void> {
  const res = await fetch(new URL('/moto-api/static/ce/cost-and-usage-results', config.aws.endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: config.environments.dev.account, results: [{ LineItems: list }] }),
  });
  expect(res.status).toBe(201);
}

let lastRun = '';
async function check(today: string, budget?: number): Promise<ScheduledCostCheckResult> {
  lastRun = `test-cost-check-${randomBytes(4).toString('hex')}`;
  const withBudget: AppConfig = {
    ...config,
    cost: { anomaly: DEFAULT_ANOMALY_RULE, ...(budget ? { budget: { dev: budget } } : {}) },
  };
  return client.workflow.execute(scheduledCostCheckWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: lastRun,
    args: [{ ...scheduledCostCheckInput(withBudget, 'dev'), today }],
    workflowExecutionTimeout: '5m',
  });
}
const topLevel = (key: string): StoredMessage[] =>
  fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(key));

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(testConfig(), fake);
  // Own alert store (beside its own audit log): the cost alert keys (cost/dev/total) are the same in every file.
  const state = mkdtempSync(join(tmpdir(), 'cost-alerts-'));
  config = { ...base, audit: { ...base.audit, path: join(state, 'audit.jsonl') } };
  alerts = config.environments.dev.slack.alertsChannel!;
  items = costLineItems(SPIKE_TODAY, 70).filter((i) => i.Tags.Environment === 'dev');
  await seed(items);
  worker = await startWorker(config);
  client = await testClient(config);
}, 120_000);

afterAll(async () => {
  await client?.connection.close();
  await worker?.stop();
  await fake?.stop();
});

describe('daily cost check: anomalies', () => {
  test('GIVEN no spike WHEN the check runs THEN no alert, every subject judged within its baseline', async () => {
    const r = await check(QUIET_TODAY);
    expect(r.day).toBe(dayOffset(QUIET_TODAY, -1));
    expect(r.anomalies).toEqual([]);
    expect(r.alerts.length).toBeGreaterThan(5);
    expect(r.alerts.every((a) => a.action === 'none')).toBe(true);
    expect(fake.messagesIn(alerts)).toEqual([]);
  });

  test('GIVEN a $900 spike in payments-api WHEN checked twice THEN one alert on the wire, with the numbers and the buttons', async () => {
    await seed([SPIKE]);
    const first = await check(SPIKE_TODAY);
    expect(first.anomalies).toEqual(['payments-api']);
    expect(first.alerts.find((a) => a.subject === 'payments-api')).toMatchObject({ action: 'post' });
    // The total jumped too, but because of payments-api: its alert says so, the total does not page twice.
    expect(first.alerts.find((a) => a.subject === 'total')).toMatchObject({ action: 'none' });
    await replayAndMaybeRecord(client, lastRun, 'scheduled-cost-check-alert-posted');
    const again = await check(SPIKE_TODAY);
    expect(again.alerts.find((a) => a.subject === 'payments-api')).toMatchObject({ action: 'none' });
    expect(fake.messagesIn(alerts).filter((m) => !m.threadTs)).toHaveLength(1);
    const [alert] = topLevel('cost/dev/payments-api');
    const service = (date: string): number =>
      items
        .filter((i) => i.Tags.Environment === 'dev' && i.Tags.Service === 'payments-api' && i.Date === date)
        .reduce((a, i) => a + cents(i), 0);
    const baseline = median(Array.from({ length: 14 }, (_, n) => service(dayOffset(SPIKE_DAY, -14 + n))));
    expect(alert!.text).toContain(`cost alert cost/dev/payments-api`);
    expect(alert!.text).toContain(`payments-api cost in dev on ${SPIKE_DAY}: ${usd(service(SPIKE_DAY) + 90000)}`);
    expect(JSON.stringify(alert!.blocks)).toContain(`baseline (median of the 14 days before): ${usd(baseline)}`);
    expect(JSON.stringify(alert!.blocks)).toContain('Acknowledge');
    expect(blockKitViolations(alert!.blocks)).toEqual([]);
  });

  test('GIVEN the day after the spike is normal WHEN checked THEN the same alert resolves (said in its thread)', async () => {
    const next = costLineItems(dayOffset(SPIKE_TODAY, 1), 1).filter((i) => i.Tags.Environment === 'dev');
    await seed(next);
    const r = await check(dayOffset(SPIKE_TODAY, 1));
    expect(r.anomalies).toEqual([]);
    const resolved = r.alerts.find((a) => a.subject === 'payments-api');
    expect(resolved).toMatchObject({ action: 'resolve' });
    await poll(() => fake.messagesIn(alerts).find((m) => m.threadTs === resolved!.ts && m.text.includes('resolved')));
    expect(fake.messagesIn(alerts).filter((m) => !m.threadTs)).toHaveLength(1);
  });
});

describe('daily cost check: budget forecast', () => {
  /** The March forecast as the check makes it on QUIET_TODAY: month to date + the mean of the last 7 days × days left. */
  const forecastCents = (): number => {
    const last = dayOffset(QUIET_TODAY, -1);
    let mtd = 0;
    for (let d = '2031-03-01'; d <= last; d = dayOffset(d, 1)) mtd += devDay(d);
    let week = 0;
    for (let n = 1; n <= 7; n++) week += devDay(dayOffset(QUIET_TODAY, -n));
    return mtd + (week / 7) * (31 - 9);
  };

  test('GIVEN a budget the forecast passes 80% of THEN one alert; past 100% THEN the same alert updated; then resolved', async () => {
    const f = forecastCents() / 100;
    const at90 = await check(QUIET_TODAY, f / 0.9);
    expect(at90.forecast?.level).toBe(0.8);
    expect(Math.abs(at90.forecast!.forecast * 100 - forecastCents())).toBeLessThan(1);
    const posted = at90.alerts.find((a) => a.subject === 'budget');
    expect(posted).toMatchObject({ action: 'post' });
    expect((await check(QUIET_TODAY, f / 0.9)).alerts.find((a) => a.subject === 'budget')).toMatchObject({
      action: 'none',
    });
    const [alert] = topLevel('cost/dev/budget');
    expect(alert!.text).toContain(`2031-03 forecast ${usd(Math.round(at90.forecast!.forecast * 100))}: 90% of the`);
    expect(alert!.text).toContain('past 80%');

    const over = await check(QUIET_TODAY, f / 1.05);
    expect(over.forecast?.level).toBe(1);
    expect(over.alerts.find((a) => a.subject === 'budget')).toMatchObject({ action: 'update', ts: posted!.ts });
    expect(topLevel('cost/dev/budget')).toHaveLength(1);
    expect(topLevel('cost/dev/budget')[0]!.text).toContain('over budget');

    const under = await check(QUIET_TODAY, f * 2);
    expect(under.forecast?.level).toBeUndefined();
    expect(under.alerts.find((a) => a.subject === 'budget')).toMatchObject({ action: 'resolve' });
    await poll(() => fake.messagesIn(alerts).find((m) => m.threadTs === posted!.ts && m.text.includes('resolved')));
  });
});

describe('the weekly report', () => {
  test('GIVEN cost.schedule.dev WHEN its Schedule runs THEN `cost dev 7d` is posted to the dev channel with its chart in the thread', async () => {
    const today = new Date().toISOString().slice(0, 10);
    await seedCostExplorer(config, today);
    const shared = costLineItems(today).filter((i) => i.Tags.Environment === 'dev' && i.Date >= dayOffset(today, -7));
    const total = shared.reduce((a, i) => a + cents(i), 0);
    const weekly: AppConfig = {
      ...config,
      cost: { anomaly: DEFAULT_ANOMALY_RULE, schedule: { dev: { everySeconds: 604_800, jitterSeconds: 0 } } },
    };
    const id = scheduleIdOf(weekly, 'cost-report', 'dev');
    try {
      expect(await ensureSchedules(client, weekly)).toEqual([
        { scheduleId: id, environment: 'dev', result: 'created' },
      ]);
      await client.schedule.getHandle(id).trigger();
      const channel = config.environments.dev.slack.channel!;
      const done = await poll(
        () => fake.callsOf('files.completeUploadExternal').find((c) => c.args.channel_id === channel),
        60_000,
        'the weekly chart upload',
      );
      const report = fake.messagesIn(channel).find((m) => !m.threadTs && m.text.includes('DEV cost, last 7 days'));
      expect(report?.text).toContain(usd(total));
      expect(done.args.thread_ts).toBe(report?.ts);
      const got = fake
        .callsOf('files.getUploadURLExternal')
        .find((c) => c.args.filename === `cost-dev-7d-${today}.png`);
      expect(Number(got?.args.length)).toBeGreaterThan(10_000);
    } finally {
      await client.schedule
        .getHandle(id)
        .delete()
        .catch(() => undefined);
    }
  }, 90_000);
});

describe('config cost:', () => {
  test('schedule, check, anomaly, budget are read, and bad values name the setting', () => {
    expect(
      readCostConfig({
        schedule: { dev: { every: '7d', jitter: '10m' } },
        check: { prd: { every: '1d' } },
        anomaly: { factor: 2 },
        budget: { dev: 3000 },
      }),
    ).toEqual({
      value: {
        schedule: { dev: { everySeconds: 604_800, jitterSeconds: 600 } },
        check: { prd: { everySeconds: 86_400, jitterSeconds: 0 } },
        anomaly: { factor: 2, baselineDays: 14, minIncrease: 50 },
        budget: { dev: 3000 },
      },
      issues: [],
    });
    const bad = readCostConfig({
      schedule: { qa: { every: '7d' } },
      anomaly: { factor: 0.5, baselineDays: 40 },
      budget: { prd: -1 },
      alerts: true,
    });
    expect(bad.issues.map((i) => i.path)).toEqual([
      'cost.alerts',
      'cost.schedule.qa',
      'cost.budget.prd',
      'cost.anomaly.factor',
      'cost.anomaly.baselineDays',
    ]);
    expect(bad.issues[3]?.problem).toContain('a factor above 1');
  });

  test('allocation: each environment names its OpenCost/Kubecost URL; bad ones name the setting', () => {
    expect(
      readCostConfig({ allocation: { dev: 'http://opencost.opencost:9003/', prd: 'https://kc.example/model' } }),
    ).toEqual({
      value: {
        anomaly: { factor: 1.5, baselineDays: 14, minIncrease: 50 },
        allocation: { dev: 'http://opencost.opencost:9003', prd: 'https://kc.example/model' },
      },
      issues: [],
    });
    const bad = readCostConfig({ allocation: { qa: 'http://x:9003', dev: 'opencost:9003', tst: 42 } });
    expect(bad.issues.map((i) => i.path)).toEqual(['cost.allocation.qa', 'cost.allocation.dev', 'cost.allocation.tst']);
    expect(bad.issues[1]?.problem).toContain('is not an http(s) URL');
    expect(readCostConfig({ allocation: 'http://x' }).issues[0]?.path).toBe('cost.allocation');
  });

  test('the rule needs both limits: 1.5× the median and more than minIncrease above it', () => {
    const day = (date: string, amount: number) => ({ date, total: amount, groups: { small: amount } });
    const report = (last: number): CostReport => ({
      environment: 'dev',
      period: '30d',
      grouping: 'service-tag',
      window: { start: '2031-01-01', end: '2031-01-16', previousStart: '2030-12-02', days: 15 },
      currency: 'USD',
      total: 0,
      previousTotal: 0,
      groups: [{ name: 'small', amount: 0, previous: 0 }],
      days: [
        ...Array.from({ length: 14 }, (_, n) => day(`2031-01-${String(n + 1).padStart(2, '0')}`, 10)),
        day('2031-01-15', last),
      ],
      metric: 'UnblendedCost',
    });
    // 4× but only $30 more: quiet. $100 more and 11×: the service alerts, the total is explained by it.
    expect(judgeDay(report(40), DEFAULT_ANOMALY_RULE).map((v) => v.anomalous)).toEqual([false, false]);
    const spiked = judgeDay(report(110), DEFAULT_ANOMALY_RULE);
    expect(spiked.map((v) => v.anomalous)).toEqual([false, true]);
    expect(spiked[0]?.explainedBy).toEqual(['small']);
  });
});
