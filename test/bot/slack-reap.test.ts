import { randomBytes } from 'node:crypto';
import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { keepLineOf } from '../../bot/listeners/actions/reap-keep-button';
import type { AppConfig } from '../../core/config';
import { DEFAULT_IDLE_CONFIG, KEEP_UNTIL_TAG } from '../../core/cost/idle';
import { ActionIds } from '../../presentation/slack/ids';
import { idleAws } from '../cost/idle-env';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import type { StoredMessage } from '../support/fake-slack/server';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned, slashCommandBody } from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { startWorker, testConfig } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL = 'C0DEVOPS1';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const STRANGER: SlackPerson = { userId: 'U0NOBODY9', teamId: 'T0SANDBOX' };

/**
 * The Keep button on a reap's notice (issue 18 item 6): `/infra reap <volume> dev` posts the notice with Keep; a
 * stranger's click is refused and told to them alone; a user's click keeps the volume (tagged keep-until, nothing
 * deleted), answers in the notice's thread, and the notice ends `cancelled` without the button. Real Temporal, moto,
 * Bolt; Slack is the fake speaking its wire protocol.
 */
describe('Slack: Keep on a reap notice', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bot: RunningBot;
  let aws: ReturnType<typeof idleAws>;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    const base = withFakeSlack(testConfig(), fake);
    // A 10-minute notice: the test keeps the volume long before it ends.
    config = { ...base, idle: { ...DEFAULT_IDLE_CONFIG, reap: { noticeSeconds: 600, keepSeconds: 30 * 86_400 } } };
    aws = idleAws(config);
    worker = await startWorker(config);
    bot = await startBot(config);
  }, 120_000);
  afterAll(async () => {
    aws?.destroy();
    await bot?.stop();
    await worker?.stop();
    await fake?.stop();
  }, 60_000);

  const hasKeep = (m: StoredMessage) => JSON.stringify(m.blocks).includes(`"${ActionIds.reapKeep}"`);
  const notice = (vol: string, has: (m: StoredMessage) => boolean, what: string) =>
    poll(
      () => fake.messagesIn(CHANNEL).find((m) => !m.threadTs && m.text.includes(`Reap ${vol}`) && has(m)),
      60_000,
      what,
    );
  const click = (who: SlackPerson, m: StoredMessage, value: string) =>
    postSigned(
      bot.url,
      SIGNING_SECRET,
      buttonClickBody(who, ActionIds.reapKeep, value, m.channel, m.ts, fake.responseUrl('act')),
      FORM,
    );

  it('GIVEN a reap notice WHEN a stranger and then bob click Keep THEN the stranger is refused alone and bob keeps the volume', async () => {
    const vol = await aws.volume('dev', `slack-keep-${randomBytes(3).toString('hex')}`, 10, 'gp3');
    const op = `reap/dev/${vol}`;
    await postSigned(
      bot.url,
      SIGNING_SECRET,
      slashCommandBody(ALICE, `reap ${vol} dev`, CHANNEL, fake.responseUrl('cmd')),
      FORM,
    );
    const shown = await notice(vol, hasKeep, 'the notice with Keep');
    expect(JSON.stringify(shown.blocks)).toContain(`keep ${vol} dev`);
    expect(blockKitViolations(shown.blocks)).toEqual([]);

    expect((await click(STRANGER, shown, op)).status).toBe(200);
    const refusal = await poll(
      () => fake.callsOf('chat.postEphemeral').find((c) => c.args.user === STRANGER.userId),
      20_000,
      'the refusal to the stranger',
    );
    expect(String(refusal.args.text)).toMatch(/not in the user list|not a known user|may not/i);
    expect((await bot.session.gateway.state(op)).phase).toBe('notice');

    expect((await click(BOB, shown, op)).status).toBe(200);
    const ended = await notice(vol, (m) => m.text.includes('cancelled'), 'the notice ended cancelled');
    expect(hasKeep(ended)).toBe(false);
    expect(ended.text).toMatch(/kept by bob until/);
    const answer = await poll(
      () => fake.messagesIn(CHANNEL).find((m) => m.threadTs === shown.ts && m.text.includes(`Kept ${vol}`)),
      20_000,
      "bob's answer in the notice's thread",
    );
    expect(answer.text).toContain('deletes nothing');
    const v = (await aws.ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes?.[0];
    expect(v?.Tags?.find((t) => t.Key === KEEP_UNTIL_TAG)?.Value).toMatch(/^\d{4}-\d\d-\d\dT/);
    const kept = (await bot.session.gateway.audit(200)).filter((a) => a.operationId === op && a.action === 'kept');
    expect(kept.map((a) => a.actor)).toEqual(['bob']);
  }, 120_000);

  it('GIVEN a value that is not a reap operation THEN a click makes no command', () => {
    expect(keepLineOf('reap/dev/vol-0123456789abcdef0')).toBe('keep vol-0123456789abcdef0 dev');
    expect(keepLineOf('stack/dev/vpc')).toBeUndefined();
    expect(keepLineOf('reap/dev/vol-1; delete stack vpc dev')).toBeUndefined();
  });
});
