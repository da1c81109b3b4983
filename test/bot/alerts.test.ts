import type { AppConfig } from '../../core/config';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

const run = Date.now().toString(36);
const STACK = `al-missing-${run}`;
const REJECTED = `al-rejected-${run}`;

describe('on-call alerts: a failed operation is raised in the environment alerts channel', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    config = withFakeSlack(
      withFixtureStacks(testConfig(), {
        [STACK]: 'stacks/audit-log-group.yaml',
        [REJECTED]: 'stacks/audit-log-group.yaml',
      }),
      fake,
    );
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
    await fake.stop();
  });

  it('GIVEN a delete of a stack that does not exist WHEN it fails THEN on-call sees one alert naming the environment, operation and reason', async () => {
    const alerts = config.environments.dev.slack.alertsChannel!;
    const op = (await session.gateway.startStackOperation('delete-stack', STACK, 'dev', person('alice'))).operationId;
    expect(await session.gateway.result(op)).toMatchObject({ outcome: 'failed' });
    const alert = await poll(
      () => fake.messagesIn(alerts).find((m) => m.text.includes(op)),
      30_000,
      'the alert in the on-call channel',
    );
    expect(alert.text).toContain(`[DEV] delete-stack infra-agent-dev-${STACK} failed`);
    expect(alert.text).toContain('does not exist');
    expect(alert.text).toContain('requested by alice');
    expect(fake.messagesIn(alerts).filter((m) => m.text.includes(op))).toHaveLength(1);
    // The operation's own thread has the outcome too.
    const status = fake
      .messagesIn(config.environments.dev.slack.channel!)
      .find((m) => m.text.includes(`infra-agent-dev-${STACK}`));
    expect(status).toBeDefined();
  });

  it('GIVEN a change that is rejected THEN it is an outcome, not a failure: nothing is raised to on-call', async () => {
    const alerts = config.environments.dev.slack.alertsChannel!;
    const gw = session.gateway;
    const op = (await gw.startStackOperation('deploy-stack', REJECTED, 'dev', person('alice'))).operationId;
    await eventually(
      async () => ((await gw.state(op)).phase === 'awaiting-approval' ? true : undefined),
      60_000,
      'approval wait',
    );
    await gw.reject(op, person('bob'), 'not today');
    expect(await gw.result(op)).toMatchObject({ outcome: 'rejected' });
    await new Promise((r) => setTimeout(r, 1500)); // give a (wrong) alert time to arrive
    expect(fake.messagesIn(alerts).filter((m) => m.text.includes(op))).toEqual([]);
  });
});
