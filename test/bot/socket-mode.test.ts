import type { AppConfig } from '../../core/config';
import { withFakeSlack, startBot } from '../support/fake-slack/bot-harness';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import { testConfig } from '../support/sandbox';

describe('Slack front end over Socket Mode (a local WebSocket handed out by apps.connections.open)', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let bot: RunningBot;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    config = withFakeSlack(testConfig(), fake, 'socket');
    bot = await startBot(config);
  });
  afterAll(async () => {
    await bot.stop();
    await fake.stop();
  });

  it('GIVEN a Socket Mode connection WHEN a slash command envelope arrives THEN it is acked at once and answered through response_url', async () => {
    expect(fake.callsOf('apps.connections.open')).toHaveLength(1);
    const t0 = Date.now();
    await fake.sendEnvelope('slash_commands', {
      token: 'legacy',
      team_id: 'T0SANDBOX',
      channel_id: 'C0DEVOPS1',
      user_id: 'U0ALICE01',
      command: '/infra',
      text: 'help deploy',
      response_url: fake.responseUrl('sock'),
      trigger_id: 'sock-1',
      api_app_id: 'A0INFRA',
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    const answer = await poll(() => fake.callsOf('response_url')[0], 10_000, 'help answer');
    expect(String(answer.args.text)).toContain('infra-agent commands');
    expect(JSON.stringify(answer.args.blocks)).toContain('deploy stack {stack} to {env}');
  });

  it('GIVEN an app_mention event from an unknown user asking to deploy THEN the answer in the thread refuses it', async () => {
    await fake.sendEnvelope('events_api', {
      team_id: 'T0SANDBOX',
      api_app_id: 'A0INFRA',
      type: 'event_callback',
      event_id: 'EvSock1',
      event_time: Math.floor(Date.now() / 1000),
      event: {
        type: 'app_mention',
        user: 'U0STRANGE',
        team: 'T0SANDBOX',
        channel: 'C0DEVOPS1',
        ts: '1700000500.000100',
        text: '<@U0INFRABOT> deploy stack vpc to dev',
        event_ts: '1700000500.000100',
      },
    });
    const reply = await poll(
      () => fake.callsOf('chat.postMessage').find((c) => c.args.thread_ts === '1700000500.000100'),
      10_000,
      'threaded reply',
    );
    expect(String(reply.args.text)).toContain('can only run read-only commands');
  });
});
