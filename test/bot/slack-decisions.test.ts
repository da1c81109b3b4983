import { Worker } from '@temporalio/worker';
import { ActionIds, InputIds, ViewIds } from '../../presentation/slack/ids';
import type { AppConfig } from '../../core/config';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import type { StoredMessage } from '../support/fake-slack/server';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import {
  buttonClickBody,
  eventBody,
  postSigned,
  slashCommandBody,
  viewSubmissionBody,
} from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testClient, testConfig, withFixtureStacks, workflowBundle } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0DEVOPS1';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const CAROL: SlackPerson = { userId: 'U0CAROL01', teamId: 'T0SANDBOX' };
const run = Date.now().toString(36);
const STACK = `sl-rej-${run}`;
const STACK_NAME = `infra-agent-dev-${STACK}`;
const CLI_STACK = `sl-cli-${run}`;

describe('Slack decisions: non-approver refused, reject with a reason, App Home, retried events', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bot: RunningBot;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    config = withFakeSlack(
      withFixtureStacks(testConfig(), {
        [STACK]: 'stacks/audit-log-group.yaml',
        [CLI_STACK]: 'stacks/audit-log-group.yaml',
      }),
      fake,
    );
    worker = await startWorker(config);
    bot = await startBot(config);
  });
  afterAll(async () => {
    await bot.stop();
    await worker.stop();
    await fake.stop();
  });

  const click = (who: SlackPerson, action: string, m: StoredMessage) =>
    postSigned(
      bot.url,
      SIGNING_SECRET,
      buttonClickBody(who, action, valueOf(m, action), m.channel, m.ts, fake.responseUrl('act')),
      FORM,
    );
  const status = (has: (m: StoredMessage) => boolean, what: string) =>
    poll(
      () => fake.messagesIn(CHANNEL).find((x) => !x.threadTs && x.text.includes(STACK_NAME) && has(x)),
      90_000,
      what,
    );

  it('GIVEN a pending change WHEN a non-approver clicks Approve THEN it is refused and audited; WHEN an approver rejects with a reason THEN the buttons give way to who rejected and why', async () => {
    await postSigned(
      bot.url,
      SIGNING_SECRET,
      slashCommandBody(ALICE, `deploy stack ${STACK} to dev`, CHANNEL, fake.responseUrl('cmd')),
      FORM,
    );
    const pending = await status((m) => JSON.stringify(m.blocks).includes(ActionIds.approve), 'pending status message');

    // App Home: Bob (a DEV approver) sees it waiting for him; Alice sees it among her running operations.
    await postSigned(
      bot.url,
      SIGNING_SECRET,
      eventBody(BOB, { type: 'app_home_opened', tab: 'home', channel: 'D0BOB' }),
      'application/json',
    );
    await postSigned(
      bot.url,
      SIGNING_SECRET,
      eventBody(ALICE, { type: 'app_home_opened', tab: 'home', channel: 'D0ALICE' }),
      'application/json',
    );
    const home = (user: string) =>
      poll(() => fake.callsOf('views.publish').find((c) => c.args.user_id === user), 20_000, `home of ${user}`);
    const bobHome = JSON.parse(String((await home(BOB.userId)).args.view)) as { blocks: { text?: { text: string } }[] };
    expect(bobHome.blocks[3]?.text?.text).toContain(`stack/dev/${STACK}`);
    const aliceHome = JSON.parse(String((await home(ALICE.userId)).args.view)) as {
      blocks: { text?: { text: string } }[];
    };
    expect(aliceHome.blocks[1]?.text?.text).toContain(`stack/dev/${STACK}`);
    expect(aliceHome.blocks[3]?.text?.text).toBe('No approvals are waiting for you.');

    await click(CAROL, ActionIds.approve, pending);
    const refusal = await poll(
      () => fake.callsOf('chat.postEphemeral').find((c) => c.args.user === CAROL.userId),
      20_000,
      'refusal',
    );
    expect(String(refusal.args.text)).toContain('carol may not approve in this environment');
    const audit = (await bot.session.gateway.audit(500)).filter(
      (r) => r.operationId === `stack/dev/${STACK}` && r.action === 'approval-refused',
    );
    expect(audit.map((r) => r.actor)).toEqual(['carol']);

    await click(BOB, ActionIds.reject, pending);
    const opened = await poll(() => fake.callsOf('views.open').at(-1), 20_000, 'reject modal');
    const view = JSON.parse(String(opened.args.view)) as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(ViewIds.rejectReason);
    const submit = (reason: string) =>
      postSigned(
        bot.url,
        SIGNING_SECRET,
        viewSubmissionBody(BOB, ViewIds.rejectReason, view.private_metadata, {
          [InputIds.reasonBlock]: { [InputIds.reason]: { type: 'plain_text_input', value: reason } },
        }),
        FORM,
      );
    expect(JSON.parse((await submit('   ')).body)).toMatchObject({ response_action: 'errors' });
    expect((await submit('retention must be 365 days')).status).toBe(200);

    const done = await status((m) => JSON.stringify(m.blocks).includes('*rejected*'), 'rejected status message');
    expect(JSON.stringify(done.blocks)).not.toContain(ActionIds.approve);
    expect(JSON.stringify(done.blocks)).toContain(`Rejected by <@${BOB.userId}>`);
    expect(JSON.stringify(done.blocks)).toContain('retention must be 365 days');
    expect((await bot.session.gateway.result(`stack/dev/${STACK}`)).outcome).toBe('rejected');

    // The history with notifications interleaved replays deterministically against the current code.
    const client = await testClient(config);
    try {
      const history = await client.workflow.getHandle(`stack/dev/${STACK}`).fetchHistory();
      await expect(
        Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `stack/dev/${STACK}`),
      ).resolves.toBeUndefined();
    } finally {
      await client.connection.close();
    }
  });

  it("GIVEN an operation started from the terminal THEN it reports into its environment's channel with buttons", async () => {
    const op = (await bot.session.gateway.startStackOperation('deploy-stack', CLI_STACK, 'dev', person('alice')))
      .operationId;
    const m = await poll(
      () =>
        fake
          .messagesIn(CHANNEL)
          .find(
            (x) =>
              !x.threadTs &&
              x.text.includes(`infra-agent-dev-${CLI_STACK}`) &&
              JSON.stringify(x.blocks).includes(ActionIds.approve),
          ),
      90_000,
      'status message of a terminal-started operation',
    );
    expect(JSON.stringify(m.blocks)).toContain(`Requested by*\\n<@${ALICE.userId}>`);
    await bot.session.gateway.cancel(op, person('alice'));
    await poll(
      () => fake.messagesIn(CHANNEL).find((x) => x.ts === m.ts && JSON.stringify(x.blocks).includes('*cancelled*')),
      30_000,
      'cancelled',
    );
  });

  it('GIVEN an @mention WHEN Slack retries the event (X-Slack-Retry-Num) THEN it is answered once', async () => {
    const body = eventBody(
      ALICE,
      { type: 'app_mention', channel: CHANNEL, ts: '1700009999.000100', text: '<@U0INFRABOT> list' },
      `EvRetry${run}`,
    );
    expect((await postSigned(bot.url, SIGNING_SECRET, body, 'application/json')).status).toBe(200);
    expect((await postSigned(bot.url, SIGNING_SECRET, body, 'application/json', { retryNum: 1 })).status).toBe(200);
    expect((await postSigned(bot.url, SIGNING_SECRET, body, 'application/json', { retryNum: 2 })).status).toBe(200);
    const replies = () => fake.callsOf('chat.postMessage').filter((c) => c.args.thread_ts === '1700009999.000100');
    await poll(() => (replies().length ? true : undefined), 20_000, 'reply in thread');
    await new Promise((r) => setTimeout(r, 1000));
    expect(replies()).toHaveLength(1);
    expect(String(replies()[0]?.args.text)).toContain('*Operations*');
  });
});

function valueOf(m: StoredMessage, actionId: string): string {
  for (const b of m.blocks as { elements?: { action_id?: string; value?: string }[] }[]) {
    const e = b.elements?.find((x) => x.action_id === actionId);
    if (e?.value) return e.value;
  }
  throw new Error(`no ${actionId} button`);
}
