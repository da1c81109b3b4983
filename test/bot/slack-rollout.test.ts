import { ActionIds } from '../../presentation/slack/ids';
import type { AppConfig } from '../../core/config';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import type { StoredMessage } from '../support/fake-slack/server';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned, slashCommandBody } from '../support/fake-slack/signed';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { startWorker } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0DEVOPS1';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const CAROL: SlackPerson = { userId: 'U0CAROL01', teamId: 'T0SANDBOX' };
const OP = 'rollout/dev/chat-api';

/** A rollout driven from Slack: slash command, Approve, Pause/Resume/Abort buttons on its one status message. */
describe('Slack: a blue/green rollout from the channel, steered with buttons', () => {
  let cluster: PrivateCluster;
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bot: RunningBot;

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    fake = await FakeSlack.start();
    const tc = rolloutTestConfig(cluster, {
      'chat-api': testServiceYaml({ stepWait: '4s' }, { image: 'ghcr.io/example/chat-api' }),
    });
    config = withFakeSlack(tc.config, fake);
    worker = await startWorker(config);
    bot = await startBot(config);
  }, 240_000);
  afterAll(async () => {
    await bot?.stop();
    await worker?.stop();
    await fake?.stop();
    await cluster?.stop();
  }, 60_000);

  const click = (who: SlackPerson, action: string, m: StoredMessage) =>
    postSigned(
      bot.url,
      SIGNING_SECRET,
      buttonClickBody(who, action, valueOf(m, action), m.channel, m.ts, fake.responseUrl('act')),
      FORM,
    );
  const message = (has: (m: StoredMessage) => boolean, what: string) =>
    poll(
      () => fake.messagesIn(CHANNEL).find((x) => !x.threadTs && x.text.includes('Rollout') && has(x)),
      120_000,
      what,
    );
  const hasButton = (id: string) => (m: StoredMessage) => JSON.stringify(m.blocks).includes(`"${id}"`);

  it('GIVEN `/infra rollout` WHEN approved, paused, resumed and aborted by buttons THEN the message follows each step and ends without buttons', async () => {
    await postSigned(
      bot.url,
      SIGNING_SECRET,
      slashCommandBody(ALICE, 'rollout chat-api 1.0.0 to dev', CHANNEL, fake.responseUrl('cmd')),
      FORM,
    );
    const pending = await message(hasButton(ActionIds.approve), 'approval buttons');
    expect(JSON.stringify(pending.blocks)).toContain('Traffic: Istio VirtualService weights');
    await click(BOB, ActionIds.approve, pending);

    const moving = await message(hasButton(ActionIds.rolloutPause), 'pause button');
    expect(hasButton(ActionIds.rolloutAbort)(moving)).toBe(true);
    // Carol approves in TST and PRD, not DEV, and did not ask: refused, whispered, audited.
    await click(CAROL, ActionIds.rolloutPause, moving);
    const refusal = await poll(
      () => fake.callsOf('chat.postEphemeral').find((c) => c.args.user === CAROL.userId),
      20_000,
      'refusal',
    );
    expect(String(refusal.args.text)).toMatch(/carol may not pause rollout\/dev\/chat-api/);

    await click(ALICE, ActionIds.rolloutPause, moving);
    // The pause is recorded at once (Resume shows) and the phase follows when the step loop sees it: wait for both.
    const paused = await message((m) => hasButton(ActionIds.rolloutResume)(m) && m.text.includes('paused'), 'paused');
    expect((await bot.session.gateway.state(OP)).rollout).toMatchObject({ paused: true, pausedBy: 'alice' });

    await click(BOB, ActionIds.rolloutResume, paused);
    const resumed = await message(hasButton(ActionIds.rolloutPause), 'pause button again');
    await click(BOB, ActionIds.rolloutAbort, resumed);
    const ended = await message((m) => m.text.includes('aborted'), 'aborted message');
    expect(hasButton(ActionIds.rolloutAbort)(ended)).toBe(false);
    expect(hasButton(ActionIds.rolloutPause)(ended)).toBe(false);
    expect(await bot.session.gateway.result(OP)).toMatchObject({
      outcome: 'aborted',
      rollout: { weights: { blue: 100, green: 0 } },
    });
    const controls = (await bot.session.gateway.audit(500))
      .filter((r) => r.operationId === OP && ['paused', 'resumed', 'aborted', 'approval-refused'].includes(r.action))
      .map((r) => `${r.action}:${r.actor}`);
    expect(controls).toEqual(['approval-refused:carol', 'paused:alice', 'resumed:bob', 'aborted:bob']);
  }, 240_000);
});

function valueOf(m: StoredMessage, actionId: string): string {
  for (const b of m.blocks as { elements?: { action_id?: string; value?: string }[] }[]) {
    const e = b.elements?.find((x) => x.action_id === actionId);
    if (e?.value) return e.value;
  }
  throw new Error(`no ${actionId} button`);
}
