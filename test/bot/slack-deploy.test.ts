import { generate } from 'otplib';
import type { AppConfig } from '../../core/config';
import { ActionIds, InputIds, ViewIds } from '../../presentation/slack/ids';
import { awsClients } from '../support/aws';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import type { StoredMessage } from '../support/fake-slack/server';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned, slashCommandBody, viewSubmissionBody } from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { eventually, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0DEVOPS1';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const STRANGER: SlackPerson = { userId: 'U0STRANGE', teamId: 'T0SANDBOX' };
const run = Date.now().toString(36);
const STACKS = {
  [`sl-ok-${run}`]: 'stacks/audit-log-group.yaml',
  [`sl-dup-${run}`]: 'stacks/audit-log-group.yaml',
  [`sl-down-${run}`]: 'stacks/audit-log-group.yaml',
  [`sl-prd-${run}`]: 'stacks/audit-log-group.yaml',
  [`sl-unk-${run}`]: 'stacks/audit-log-group.yaml',
};

describe('Slack front end: the real Bolt app against a local Slack, Temporal and moto', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bot: RunningBot;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    config = withFakeSlack(withFixtureStacks(testConfig(), STACKS), fake);
    worker = await startWorker(config);
    bot = await startBot(config);
    aws = awsClients(config);
  });
  afterAll(async () => {
    aws.destroy();
    await bot.stop();
    await worker.stop();
    await fake.stop();
  });

  const slash = (who: SlackPerson, text: string, trigger?: string) =>
    postSigned(bot.url, SIGNING_SECRET, slashCommandBody(who, text, CHANNEL, fake.responseUrl('cmd'), trigger), FORM);
  const click = (who: SlackPerson, action: string, m: StoredMessage) =>
    postSigned(
      bot.url,
      SIGNING_SECRET,
      buttonClickBody(who, action, buttonValue(m, action), m.channel, m.ts, fake.responseUrl('act')),
      FORM,
    );
  const statusMessage = (stackName: string, has: (m: StoredMessage) => boolean, what: string) =>
    poll(
      () => {
        const m = fake.messagesIn(CHANNEL).find((x) => !x.threadTs && x.text.includes(stackName));
        return m && has(m) ? m : undefined;
      },
      90_000,
      what,
    );
  const responses = () => fake.callsOf('response_url').map((c) => String(c.args.text));

  it("GIVEN a teammate WHEN they run /infra deploy and an approver clicks Approve THEN the stack exists and the thread shows who approved and the outcome; the requester's own click is refused and audited", async () => {
    const stack = `sl-ok-${run}`;
    const stackName = `infra-agent-dev-${stack}`;
    const r = await slash(ALICE, `deploy stack ${stack} to dev`);
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(1000); // acked long before Slack's 3 s

    const pending = await statusMessage(
      stackName,
      (m) => hasButton(m, ActionIds.approve),
      'status message with Approve button',
    );
    const flat = JSON.stringify(pending.blocks);
    expect(flat).toContain('123456789012 / us-east-1'); // account and region named
    expect(flat).toContain('2 to add, 0 to modify, 0 to remove');
    expect(flat).toContain('AWS::Logs::LogGroup');
    expect(JSON.parse(buttonValue(pending, ActionIds.approve))).toEqual({
      op: `stack/dev/${stack}`,
      artifact: expect.stringMatching(/^arn:aws:cloudformation:.*changeSet/),
    });

    // The requester clicks Approve on their own change: refused, told privately, audited.
    await click(ALICE, ActionIds.approve, pending);
    const whisper = await poll(
      () => fake.callsOf('chat.postEphemeral').find((c) => c.args.user === ALICE.userId),
      20_000,
      'ephemeral refusal',
    );
    expect(whisper.args.text).toContain('you requested this change: someone else must approve it');
    const refused = (await bot.session.gateway.audit(500)).filter(
      (a) => a.operationId === `stack/dev/${stack}` && a.action === 'approval-refused',
    );
    expect(refused.map((a) => [a.actor, a.details?.via])).toEqual([['alice', 'slack']]);

    // Slack rate-limits the next update once: Retry-After is honoured and the message still catches up.
    fake.failNext('chat.update', 429, 1, 1);
    await click(BOB, ActionIds.approve, pending);
    const done = await statusMessage(
      stackName,
      (m) => JSON.stringify(m.blocks).includes('*succeeded*'),
      'outcome in the status message',
    );
    expect(await aws.stackStatus(stackName)).toBe('CREATE_COMPLETE');
    expect(hasButton(done, ActionIds.approve)).toBe(false); // the decision replaced the buttons
    expect(JSON.stringify(done.blocks)).toContain(`Approved by <@${BOB.userId}>`);
    expect(fake.callsOf('chat.update:429')).toHaveLength(1);
    // The thread replies are paced (~1 per second per channel): the last one may land a moment later.
    const thread = await poll(
      () => {
        const texts = fake
          .messagesIn(CHANNEL)
          .filter((m) => m.threadTs === done.ts)
          .map((m) => m.text);
        return texts.some((t) => t.includes('Done —')) ? texts : undefined;
      },
      20_000,
      'the Done reply',
    );
    expect(thread).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Preview ready'),
        expect.stringContaining('Approved by'),
        expect.stringContaining(`Done — ${stackName} is CREATE_COMPLETE`),
      ]),
    );
    for (const m of fake.messagesIn(CHANNEL)) expect(blockKitViolations(m.blocks)).toEqual([]);
  });

  it('GIVEN the same signed slash command delivered twice (and as a Slack retry) THEN one operation starts; another bot instance gets the same operation back', async () => {
    const stack = `sl-dup-${run}`;
    const trigger = `trig-${run}-dup`;
    const body = slashCommandBody(ALICE, `deploy stack ${stack} to dev`, CHANNEL, fake.responseUrl('dup'), trigger);
    const [a, b] = await Promise.all([
      postSigned(bot.url, SIGNING_SECRET, body, FORM),
      postSigned(bot.url, SIGNING_SECRET, body, FORM),
    ]);
    const c = await postSigned(bot.url, SIGNING_SECRET, body, FORM, { retryNum: 1 });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    await statusMessage(`infra-agent-dev-${stack}`, (m) => hasButton(m, ActionIds.approve), 'status message');
    // A second bot instance (no shared dedupe cache): the gateway's idempotent workflow id answers.
    const other = await startBot(config);
    try {
      await postSigned(other.url, SIGNING_SECRET, body, FORM);
      await poll(
        () => (responses().some((t) => t.startsWith(`Already started \`stack/dev/${stack}\``)) ? true : undefined),
        20_000,
        'duplicate answer',
      );
    } finally {
      await other.stop();
    }
    const requested = (await bot.session.gateway.audit(1000)).filter(
      (r) => r.operationId === `stack/dev/${stack}` && r.action === 'requested',
    );
    expect(requested).toHaveLength(1);
    expect(responses().filter((t) => t.startsWith(`Started \`stack/dev/${stack}\``))).toHaveLength(1);
    expect(
      fake.messagesIn(CHANNEL).filter((m) => !m.threadTs && m.text.includes(`infra-agent-dev-${stack}`)),
    ).toHaveLength(1);
    await bot.session.gateway.cancel(`stack/dev/${stack}`, {
      userId: 'alice',
      displayName: 'alice',
      via: 'cli',
      requestId: 'cleanup',
    });
  });

  it('GIVEN a bad signature or a stale timestamp THEN Bolt rejects the request and nothing runs', async () => {
    const before = fake.calls.length;
    const body = slashCommandBody(ALICE, 'list', CHANNEL, fake.responseUrl('bad'));
    expect((await postSigned(bot.url, SIGNING_SECRET, body, FORM, { badSignature: true })).status).toBe(401);
    expect(
      (await postSigned(bot.url, SIGNING_SECRET, body, FORM, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }))
        .status,
    ).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    // Other tests' operations may still be posting: only calls this request could have caused count.
    const caused = fake.calls
      .slice(before)
      .filter((c) => c.method === 'response_url' || c.method.startsWith('views.') || c.method === 'chat.postEphemeral');
    expect(caused).toEqual([]);
  });

  it('GIVEN someone not in the user list THEN help and list work but deploy is refused and nothing starts', async () => {
    const stack = `sl-unk-${run}`;
    await slash(STRANGER, 'help');
    await slash(STRANGER, 'list');
    await slash(STRANGER, `deploy stack ${stack} to dev`);
    await poll(
      () => (responses().some((t) => t.includes('can only run read-only commands')) ? true : undefined),
      20_000,
      'refusal',
    );
    // `list` waits on Temporal while the refusal needs nothing: its answer may come last.
    await poll(() => (responses().some((t) => t.startsWith('*Operations*')) ? true : undefined), 20_000, 'list answer');
    expect(responses().some((t) => t.startsWith('*infra-agent commands*'))).toBe(true);
    expect(responses().some((t) => t.startsWith('*Operations*'))).toBe(true);
    await expect(bot.session.gateway.state(`stack/dev/${stack}`)).rejects.toThrow('no operation');
    // Pod logs may hold secrets logged by mistake: known people only, refused before anything runs.
    await slash(STRANGER, 'logs payments-api-blue-7d9c6b5f4-x2x7q payments-api dev');
    await poll(
      () => (responses().some((t) => t.includes('Pod logs can hold request data and secrets')) ? true : undefined),
      20_000,
      'logs refusal',
    );
  });

  it('GIVEN Slack is unreachable WHEN a deploy runs THEN the operation still completes, and the message catches up when Slack is back', async () => {
    const stack = `sl-down-${run}`;
    const stackName = `infra-agent-dev-${stack}`;
    fake.setDown(true);
    try {
      await slash(ALICE, `deploy stack ${stack} to dev`);
      const op = `stack/dev/${stack}`;
      await eventually(
        async () =>
          (await bot.session.gateway.state(op).catch(() => undefined))?.phase === 'awaiting-approval'
            ? true
            : undefined,
        60_000,
        'awaiting approval',
      );
      // No message to click: the approver uses the command instead (inbound still reaches the bot).
      await slash(BOB, `approve ${op}`);
      await eventually(
        async () => ((await bot.session.gateway.state(op)).outcome === 'succeeded' ? true : undefined),
        60_000,
        'success',
      );
      expect(await aws.stackStatus(stackName)).toBe('CREATE_COMPLETE');
      expect(fake.messagesIn(CHANNEL).some((m) => m.text.includes(stackName))).toBe(false);
    } finally {
      fake.setDown(false);
    }
    await statusMessage(stackName, (m) => JSON.stringify(m.blocks).includes('*succeeded*'), 'caught-up status message');
  }, 180_000);

  it('GIVEN a PRD change WHEN an enrolled approver clicks Approve THEN a modal asks for the code; wrong and reused codes are refused in the modal; a valid one approves with MFA', async () => {
    const stack = `sl-prd-${run}`;
    const stackName = `infra-agent-prd-${stack}`;
    await slash(BOB, 'mfa enroll');
    const dm = await poll(
      () =>
        fake
          .callsOf('chat.postMessage')
          .find((c) => String(c.args.channel) === `D${BOB.userId.slice(1)}` && String(c.args.text).includes('key')),
      20_000,
      'enrolment DM',
    );
    expect(fake.callsOf('files.completeUploadExternal')).toHaveLength(1);
    expect(fake.callsOf('file_upload')).toHaveLength(1); // the QR code PNG
    const secret = /`([A-Z2-7]{16,})`/.exec(String(dm.args.text))?.[1] ?? '';
    expect(secret).not.toBe('');
    // A second enrolment without the current code is refused: a borrowed Slack session cannot swap the authenticator.
    await slash(BOB, 'mfa enroll');
    await poll(
      () => (responses().some((t) => t.includes('You already have an authenticator')) ? true : undefined),
      20_000,
      're-enrol refusal',
    );

    await postSigned(
      bot.url,
      SIGNING_SECRET,
      slashCommandBody(ALICE, `deploy stack ${stack} to prd`, 'C0PRDOPS1', fake.responseUrl('prd')),
      FORM,
    );
    const pending = await poll(
      () => {
        const m = fake.messagesIn('C0PRDOPS1').find((x) => !x.threadTs && x.text.includes(stackName));
        return m && hasButton(m, ActionIds.approve) ? m : undefined;
      },
      90_000,
      'PRD status message',
    );
    // Someone who may not approve gets no code prompt: the gateway refuses (and audits) at once.
    const modalsBefore = fake.callsOf('views.open').length;
    await click(STRANGER, ActionIds.approve, pending);
    const refusal = await poll(
      () => fake.callsOf('chat.postEphemeral').find((c) => c.args.user === STRANGER.userId),
      20_000,
      'stranger refusal',
    );
    expect(String(refusal.args.text)).toContain('slack:U0STRANGE may not approve in this environment');
    expect(fake.callsOf('views.open')).toHaveLength(modalsBefore);

    await click(BOB, ActionIds.approve, pending);
    const opened = await poll(() => fake.callsOf('views.open').at(-1), 20_000, 'MFA modal');
    const view = JSON.parse(String(opened.args.view)) as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(ViewIds.mfaApprove);
    const submit = (code: string) =>
      postSigned(
        bot.url,
        SIGNING_SECRET,
        viewSubmissionBody(BOB, ViewIds.mfaApprove, view.private_metadata, {
          [InputIds.mfaBlock]: { [InputIds.mfaCode]: { type: 'plain_text_input', value: code } },
        }),
        FORM,
      );

    const wrong = await submit('000000');
    expect(JSON.parse(wrong.body)).toEqual({
      response_action: 'errors',
      errors: { [InputIds.mfaBlock]: expect.stringContaining('not valid') },
    });
    const code = await generate({ secret });
    expect((await submit(code)).body).toBe('');
    const reused = await submit(code);
    expect(JSON.parse(reused.body)).toMatchObject({
      response_action: 'errors',
      errors: { [InputIds.mfaBlock]: expect.stringContaining('already used') },
    });

    const done = await bot.session.gateway.result(`stack/prd/${stack}`);
    expect(done).toMatchObject({
      outcome: 'succeeded',
      approvals: [expect.objectContaining({ approver: 'bob', mfa: true })],
    });
    expect(await aws.stackStatus(stackName)).toBe('CREATE_COMPLETE');
    // The code never reaches workflow history: only the verdict does.
    const client = await testClient(config);
    try {
      // Payload bytes decoded, so the assertion reads what Temporal stores.
      const events = (await client.workflow.getHandle(`stack/prd/${stack}`).fetchHistory()).events;
      const history = JSON.stringify(events, (k, v: unknown) =>
        k === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v,
      );
      expect(history).toContain('\\"mfaVerified\\":true');
      expect(history).not.toContain(code);
    } finally {
      await client.connection.close();
    }
  }, 180_000);
});

function hasButton(m: StoredMessage, actionId: string): boolean {
  return JSON.stringify(m.blocks).includes(`"action_id":"${actionId}"`);
}

function buttonValue(m: StoredMessage, actionId: string): string {
  for (const b of m.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) {
    const e = b.elements?.find((x) => x.action_id === actionId);
    if (e?.value) return e.value;
  }
  throw new Error(`no ${actionId} button`);
}
