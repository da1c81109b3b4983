import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { sealView } from '../../bot/view-seal';
import type { AppConfig } from '../../core/config';
import { MAX_REQUEST_CHARS } from '../../core/limits';
import { InputIds, ViewIds } from '../../presentation/slack/ids';
import { buildRejectModal } from '../../presentation/slack/modals';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { recordingLogger, SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { eventBody, postSigned, slashCommandBody, viewSubmissionBody } from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0DEVOPS1';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const CAROL: SlackPerson = { userId: 'U0CAROL01', teamId: 'T0SANDBOX' };
const run = Date.now().toString(36);
const REPLAY = `hd-replay-${run}`;
const FORGED = `hd-forged-${run}`;

describe('Slack front end hardening: replays after a restart, forged modals, bounded text, listeners that log', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bot: RunningBot;
  const logger = recordingLogger();
  const deliveries = mkdtempSync(join(process.env.INFRA_AGENT_TEST_DIR ?? '/tmp', 'deliveries-'));

  beforeAll(async () => {
    fake = await FakeSlack.start();
    config = withFakeSlack(
      withFixtureStacks(testConfig(), {
        [REPLAY]: 'stacks/audit-log-group.yaml',
        [FORGED]: 'stacks/audit-log-group.yaml',
      }),
      fake,
    );
    worker = await startWorker(config);
    bot = await startBot(config, undefined, { deliveriesDir: deliveries, logger });
  });
  afterAll(async () => {
    await bot.stop();
    await worker.stop();
    await fake.stop();
  });

  const responses = () => fake.callsOf('response_url').map((c) => String(c.args.text));
  const auditOf = async (op: string, action: string) =>
    (await bot.session.gateway.audit(2000)).filter((r) => r.operationId === op && r.action === action);

  it('GIVEN a signed slash command handled before a restart WHEN the identical request is delivered to the restarted bot THEN no second operation starts', async () => {
    const op = `stack/dev/${REPLAY}`;
    const body = slashCommandBody(ALICE, `deploy stack ${REPLAY} to dev`, CHANNEL, fake.responseUrl('replay'));
    const ts = Math.floor(Date.now() / 1000);
    expect((await postSigned(bot.url, SIGNING_SECRET, body, FORM, { timestamp: ts })).status).toBe(200);
    await eventually(
      async () =>
        (await bot.session.gateway.state(op).catch(() => undefined))?.phase === 'awaiting-approval' ? true : undefined,
      90_000,
      'awaiting approval',
    );
    // The operation ends, so the gateway's own request-id check (a run in progress) no longer covers a replay.
    await bot.session.gateway.cancel(op, person('alice'));
    await bot.session.gateway.result(op);

    await bot.stop();
    bot = await startBot(config, undefined, { deliveriesDir: deliveries, logger });
    expect((await postSigned(bot.url, SIGNING_SECRET, body, FORM, { timestamp: ts })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));

    expect(await auditOf(op, 'requested')).toHaveLength(1);
    const client = await testClient(config);
    try {
      const runs = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${op}'` })) runs.push(w.runId);
      expect(runs).toHaveLength(1);
    } finally {
      await client.connection.close();
    }
    expect(responses().filter((t) => t.startsWith(`Started \`${op}\``))).toHaveLength(1);
  }, 180_000);

  it('GIVEN a view_submission with a valid Slack signature for a modal the bot never opened (or opened for someone else) THEN it is refused, nothing happens, and the refusal is audited', async () => {
    const op = `stack/dev/${FORGED}`;
    await bot.session.gateway.startStackOperation('deploy-stack', FORGED, 'dev', person('alice'), {
      notify: { channel: CHANNEL },
    });
    const pending = await eventually(
      async () => {
        const s = await bot.session.gateway.state(op).catch(() => undefined);
        return s?.phase === 'awaiting-approval' && s.preview ? s : undefined;
      },
      90_000,
      'awaiting approval',
    );
    const meta = { op, artifact: pending.preview?.artifactId ?? '', channel: CHANNEL };
    const reason = { [InputIds.reasonBlock]: { [InputIds.reason]: { type: 'plain_text_input', value: 'forged' } } };
    // Bob may reject: a forged form in his name carries the metadata the bot's own form would, but no seal.
    const forged = await postSigned(
      bot.url,
      SIGNING_SECRET,
      viewSubmissionBody(BOB, ViewIds.rejectReason, JSON.stringify(meta), reason),
      FORM,
    );
    expect(forged.status).toBe(200);
    expect(JSON.parse(forged.body)).toMatchObject({
      response_action: 'errors',
      errors: { [InputIds.reasonBlock]: expect.stringContaining('not opened by infra-agent for you') },
    });
    // A real seal, for Bob, submitted by Carol (also an approver): refused the same way.
    const bobs = sealView(buildRejectModal(meta), bot.viewSealKey, BOB.userId).private_metadata ?? '';
    const carols = await postSigned(
      bot.url,
      SIGNING_SECRET,
      viewSubmissionBody(CAROL, ViewIds.rejectReason, bobs, reason),
      FORM,
    );
    expect(JSON.parse(carols.body)).toMatchObject({ response_action: 'errors' });

    const refused = await eventually(
      async () => {
        const r = await auditOf(op, 'rejection-refused');
        return r.length === 2 ? r : undefined;
      },
      20_000,
      'the refusals in the audit trail',
    );
    expect(refused.map((r) => [r.actor, String(r.details?.reason)])).toEqual([
      ['bob', expect.stringContaining('unverified form')],
      ['carol', expect.stringContaining('opened for U0BOB0001')],
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const s = await bot.session.gateway.state(op);
    expect(s.rejection).toBeUndefined();
    expect(s.phase).toBe('awaiting-approval');
    expect(
      logger.lines.some((l) => l.startsWith('warn') && l.includes('refused a reject_reason_modal submission')),
    ).toBe(true);
    await bot.session.gateway.cancel(op, person('alice'));
  }, 180_000);

  it('GIVEN text over the limit by /infra and by @mention THEN each gets the limit as its answer, nothing is interpreted, and another person is still answered', async () => {
    const long = `could you deploy ${'x'.repeat(40_000)}`;
    const before = (await bot.session.gateway.audit(2000)).length;
    const t0 = Date.now();
    const mentions = Array.from({ length: 5 }, (_, i) =>
      postSigned(
        bot.url,
        SIGNING_SECRET,
        eventBody(ALICE, {
          type: 'app_mention',
          channel: CHANNEL,
          ts: `1700007${i}00.000100`,
          text: `<@U0INFRABOT> ${long}`,
        }),
        'application/json',
      ),
    );
    await postSigned(bot.url, SIGNING_SECRET, slashCommandBody(ALICE, long, CHANNEL, fake.responseUrl('long')), FORM);
    const help = await postSigned(
      bot.url,
      SIGNING_SECRET,
      slashCommandBody(BOB, 'help', CHANNEL, fake.responseUrl('help')),
      FORM,
    );
    expect(help.status).toBe(200);
    await Promise.all(mentions);
    console.log(
      `/infra help acked in ${help.ms} ms beside five ${long.length}-character mentions (all sent in ${Date.now() - t0} ms)`,
    );

    const said = `Your message is ${long.length + '<@U0INFRABOT> '.length} characters; the most I read is ${MAX_REQUEST_CHARS}`;
    await poll(
      () =>
        fake.callsOf('chat.postMessage').filter((c) => String(c.args.text).includes(said)).length === 5
          ? true
          : undefined,
      20_000,
      'five answers in the mentions threads',
    );
    await poll(
      () => (responses().some((t) => t.includes(`Your message is ${long.length} characters`)) ? true : undefined),
      20_000,
      'the slash command answer',
    );
    await poll(
      () => (responses().some((t) => t.startsWith('*infra-agent commands*')) ? true : undefined),
      20_000,
      'help',
    );
    // Nothing was interpreted: the language front door audits every interpretation it makes.
    const after = (await bot.session.gateway.audit(2000)).slice(before);
    expect(after.filter((r) => r.action === 'proposed' || r.action === 'proposal-refused')).toEqual([]);
  }, 120_000);

  it("GIVEN a listener whose answer cannot be delivered THEN the failure is in the app's log", async () => {
    fake.failNext('response_url', 500);
    await postSigned(bot.url, SIGNING_SECRET, slashCommandBody(ALICE, 'help', CHANNEL, fake.responseUrl('lost')), FORM);
    await poll(
      () =>
        logger.lines.find((l) => l.startsWith('warn') && l.includes(`could not answer /infra from ${ALICE.userId}`)),
      20_000,
      'the warning in the log',
    );
    expect(fake.callsOf('response_url:500')).toHaveLength(1);
  });
});
