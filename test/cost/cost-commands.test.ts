import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executeLine } from '../../cli/execute';
import type { CommandResult, CostReportResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { renderResult } from '../../presentation/text/result';
import type { CostLineItem } from '../../sandbox/cost-seed';
import { costLineItems, seedCostExplorer } from '../../sandbox/cost-seed';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import { eventBody, postSigned } from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { replayAndMaybeRecord } from '../support/histories';
import { person, startWorker, testClient, testConfig } from '../support/sandbox';
import { composeActivities } from '../../worker/compose';

/**
 * `cost {env} [period]`, `cost by service`, `cost daily` through the one dispatcher and a real worker: Cost
 * Explorer in the sandbox's moto answers from the seeded daily series (sandbox/moto/cost_explorer.py), and every
 * expected number below is summed here from the seed's line items, in cents, not by the product's code.
 */
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let fake: FakeSlack;
let today: string;
let seed: CostLineItem[];

const DAY_MS = 86_400_000;
const dayOffset = (day: string, n: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const usd = (cents: number): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(cents / 100);

/** Cents per group of the seed's items for `env` in [from, to), grouped by `key`. */
function expected(
  env: string,
  from: string,
  to: string,
  key: (i: CostLineItem) => string,
): { total: number; groups: Map<string, number> } {
  const groups = new Map<string, number>();
  let total = 0;
  for (const i of seed) {
    if (i.Tags.Environment !== env || i.Date < from || i.Date >= to) continue;
    const cents = Math.round(Number(i.Amount) * 100);
    total += cents;
    groups.set(key(i), (groups.get(key(i)) ?? 0) + cents);
  }
  return { total, groups };
}
const byServiceTag = (i: CostLineItem): string => i.Tags.Service ?? '(untagged)';
const byAwsService = (i: CostLineItem): string => i.Service;

/** A PNG's size from its IHDR chunk (after the 8-byte signature: length, 'IHDR', width, height). */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

beforeAll(async () => {
  today = new Date().toISOString().slice(0, 10);
  fake = await FakeSlack.start();
  config = withFakeSlack(testConfig(), fake);
  await seedCostExplorer(config, today);
  seed = costLineItems(today);
  worker = await startWorker(config);
  session = await openGateway(config);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await session?.close();
  await fake?.stop();
}, 60_000);

async function run(
  line: string,
  who: Requester = person('dave'),
  on: GatewaySession = session,
): Promise<{ r: CommandResult; text: string; requestId: string }> {
  const parsed = on.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const requestId = randomBytes(6).toString('hex');
  const r = await on.gateway.execute(parsed.command, { ...who, requestId });
  return { r, text: renderResult(parsed.command, r, who.userId).text, requestId };
}
const costOf = (r: CommandResult): CostReportResult => {
  if (r.kind !== 'cost') throw new Error(`expected a cost result, got ${r.kind}`);
  return r.cost;
};

describe('cost reports from Cost Explorer', () => {
  it('cost dev 30d: total, change vs the 30 days before, top services by Service tag — equal to the seeded series', async () => {
    const { r, text } = await run('cost dev 30d');
    const cost = costOf(r);
    const now = expected('dev', dayOffset(today, -30), today, byServiceTag);
    const before = expected('dev', dayOffset(today, -60), dayOffset(today, -30), byServiceTag);
    expect(Math.round(cost.report.total * 100)).toBe(now.total);
    expect(Math.round(cost.report.previousTotal * 100)).toBe(before.total);
    expect(cost.report.days).toHaveLength(30);
    expect(cost.report.days[0]?.date).toBe(dayOffset(today, -30));
    for (const g of cost.report.groups) expect(Math.round(g.amount * 100)).toBe(now.groups.get(g.name));
    expect(cost.report.groups.map((g) => g.name)).toEqual(
      [...now.groups.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n),
    );

    const diff = now.total - before.total;
    const pct = ((Math.abs(diff) / before.total) * 100).toFixed(1);
    const sign = diff >= 0 ? '+' : '−';
    expect(text.split('\n')[0]).toBe(
      `DEV cost, last 30 days (${dayOffset(today, -30)} – ${dayOffset(today, -1)}): ${usd(now.total)}; ` +
        `previous 30 days (${dayOffset(today, -60)} – ${dayOffset(today, -31)}): ${usd(before.total)}, ` +
        `${sign}${usd(Math.abs(diff))} (${sign}${pct}%)`,
    );
    expect(text).toContain('Top services (Service tag):');
    const top = [...now.groups.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(text).toMatch(new RegExp(`\\n  ${top[0]}\\s+${usd(top[1]).replace(/[$.]/g, '\\$&')}\\s`));
    expect(text).toContain('(untagged)');
  });

  it('cost by service prd 7d: grouped by AWS service; the chart is a 1000×500 PNG', async () => {
    const { r, text, requestId } = await run('cost by service prd 7d');
    await replayAndMaybeRecord(await testClient(config), `cost/prd/${requestId}`, 'cost-report-with-chart');
    const cost = costOf(r);
    const now = expected('prd', dayOffset(today, -7), today, byAwsService);
    expect(Math.round(cost.report.total * 100)).toBe(now.total);
    expect(cost.report.groups[0]?.name).toBe('Amazon Elastic Compute Cloud - Compute');
    expect(Math.round(cost.report.groups[0]!.amount * 100)).toBe(
      now.groups.get('Amazon Elastic Compute Cloud - Compute'),
    );
    expect(text).toContain('Top AWS services:');
    expect(cost.chart).toBeDefined();
    const png = Buffer.from(cost.chart!.pngBase64, 'base64');
    expect(pngSize(png)).toEqual({ width: 1000, height: 500 });
    expect(cost.chart).toMatchObject({ width: 1000, height: 500, fileName: `cost-by-service-prd-7d-${today}.png` });
  });

  it('cost daily tst 7d: one line per day with its total; mtd covers the complete days of this month', async () => {
    const { text } = await run('cost daily tst 7d');
    for (let d = 7; d >= 1; d--) {
      const day = dayOffset(today, -d);
      const cents = expected('tst', day, dayOffset(day, 1), byServiceTag).total;
      expect(text).toMatch(new RegExp(`\\n  ${day}\\s+${usd(cents).replace(/[$.]/g, '\\$&')}  `));
    }
    const q = costOf((await run('cost tst 90d')).r);
    expect(q.report.days).toHaveLength(90);
    expect(Math.round(q.report.previousTotal * 100)).toBe(
      expected('tst', dayOffset(today, -180), dayOffset(today, -90), byServiceTag).total,
    );
    if (today.endsWith('-01')) {
      await expect(run('cost dev mtd')).rejects.toThrow(/mtd on .* has no complete day yet; use 7d or 30d/);
    } else {
      const mtd = costOf((await run('cost dev mtd')).r);
      expect(mtd.report.window.start).toBe(`${today.slice(0, 8)}01`);
      expect(Math.round(mtd.report.total * 100)).toBe(
        expected('dev', `${today.slice(0, 8)}01`, today, byServiceTag).total,
      );
    }
  });

  it('the terminal writes the chart to a file and prints its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cost-chart-'));
    const lines: string[] = [];
    const code = await executeLine(
      session,
      { ...person('dave'), requestId: randomBytes(6).toString('hex') },
      'cost dev 7d',
      { out: (t) => lines.push(t), err: (t) => lines.push(`ERR ${t}`) },
      { chartDir: dir },
    );
    expect(code).toBe(0);
    const path = join(dir, `cost-dev-7d-${today}.png`);
    expect(lines.join('\n')).toContain(`chart (1000×500 PNG) written to ${path}`);
    expect(pngSize(readFileSync(path))).toEqual({ width: 1000, height: 500 });
  });

  it('a chart that cannot be drawn does not cost the numbers: the report says why there is none', async () => {
    const own = testConfig();
    const broken = await startWorker(own, {
      ...composeActivities(own),
      renderCostChart: () => Promise.reject(new Error('chart font /nonexistent.ttf does not exist')),
    });
    const ownSession = await openGateway(own);
    try {
      const { r, text, requestId } = await run('cost dev 7d', person('dave'), ownSession);
      expect(costOf(r).chart).toBeUndefined();
      expect(Math.round(costOf(r).report.total * 100)).toBe(
        expected('dev', dayOffset(today, -7), today, byServiceTag).total,
      );
      expect(text).toContain('(no chart: chart font /nonexistent.ttf does not exist)');
      await replayAndMaybeRecord(await testClient(own), `cost/dev/${requestId}`, 'cost-report-chart-failed');
    } finally {
      await broken.stop();
      await ownSession.close();
    }
  });

  it('bad input: an unknown environment or period says what is allowed, with an example', () => {
    expect(session.gateway.parse('cost qa')).toMatchObject({
      ok: false,
      error: expect.stringContaining("'qa' is not an environment; use one of dev, tst, prd"),
    });
    expect(session.gateway.parse('cost dev 1y')).toMatchObject({
      ok: false,
      error: expect.stringContaining(
        "'1y' is not a period; use 7d (the last 7 days), 30d (the last 30 days), 90d (the last 90 days) or mtd (this month to date), e.g. cost dev 7d",
      ),
    });
    expect(session.gateway.parse('cost by service prd lastweek')).toMatchObject({
      ok: false,
      error: expect.stringContaining("'lastweek' is not a period"),
    });
    expect(session.gateway.parse('cost prd')).toMatchObject({ ok: true, command: { name: 'cost', period: '30d' } });
  });
});

describe('cost in Slack', () => {
  let bot: RunningBot;
  beforeAll(async () => {
    bot = await startBot(config);
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
  }, 30_000);

  it('@infra-agent cost dev 7d: the numbers in the thread, then the chart uploaded into the same thread (files.uploadV2)', async () => {
    const channel = 'C0COST001';
    const ts = '1700009000.000100';
    const res = await postSigned(
      bot.url,
      SIGNING_SECRET,
      eventBody(
        { userId: 'U0ALICE01', teamId: 'T0SANDBOX' },
        { type: 'app_mention', channel, ts, text: '<@U0INFRABOT> cost dev 7d' },
      ),
      'application/json',
    );
    expect(res.status).toBe(200);
    const completed = await poll(
      () => fake.callsOf('files.completeUploadExternal').find((c) => c.args.channel_id === channel),
      60_000,
      'the chart upload to complete',
    );
    const answer = fake.messagesIn(channel).find((m) => m.threadTs === ts);
    const now = expected('dev', dayOffset(today, -7), today, byServiceTag);
    expect(answer?.text).toContain(`DEV cost, last 7 days`);
    expect(answer?.text).toContain(usd(now.total));
    expect(completed.args.thread_ts).toBe(ts);
    const files = JSON.parse(String(completed.args.files)) as { id: string; title: string }[];
    expect(files).toHaveLength(1);
    const got = fake.callsOf('files.getUploadURLExternal').find((c) => c.args.filename === `cost-dev-7d-${today}.png`);
    expect(got).toBeDefined();
    const upload = fake.callsOf('file_upload').find((c) => c.args._id === files[0]!.id);
    const png = Buffer.from(String(upload?.args.contentBase64), 'base64');
    expect(png.length).toBe(Number(got!.args.length));
    expect(pngSize(png)).toEqual({ width: 1000, height: 500 });
  }, 90_000);
});
