import type { AppConfig } from '../../core/config';
import { closeStateStores, openStateStores } from '../../worker/state-compose';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { FakeSlack } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { postSigned, slashCommandBody } from '../support/fake-slack/signed';
import { testDatabaseUrl } from '../support/postgres';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const FORM = 'application/x-www-form-urlencoded';
const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
const STACK = `two-bots-${Date.now().toString(36)}`;

// Two bot instances (two Bolt apps, each with its own gateway) on store: postgres: Slack delivering the same signed
// slash command to both — a retry landing on the other replica — starts one operation and answers once.
describe('two bots over one PostgreSQL store', () => {
  let fake: FakeSlack;
  let config: AppConfig;
  let worker: RunningWorker;
  let bots: RunningBot[] = [];

  beforeAll(async () => {
    process.env.INFRA_AGENT_TWO_BOTS_DB_URL = await testDatabaseUrl(__filename);
    fake = await FakeSlack.start();
    config = withFakeSlack(
      withFixtureStacks(
        testConfig({ store: { kind: 'postgres', urlEnv: 'INFRA_AGENT_TWO_BOTS_DB_URL', poolSize: 5 } }),
        { [STACK]: 'stacks/audit-log-group.yaml' },
      ),
      fake,
    );
    worker = await startWorker(config);
    // Each bot its own ledger object (its own in-process memory) over the one database, as two replicas would be.
    bots = [
      await startBot(config, undefined, { dedupe: openStateStores(config).deliveries() }),
      await startBot(config, undefined, { dedupe: openStateStores(config).deliveries() }),
    ];
  });
  afterAll(async () => {
    for (const b of bots) await b.stop();
    await worker?.stop();
    await fake?.stop();
    await closeStateStores();
  });

  it('GIVEN the same signed slash command delivered to both bots at once THEN one operation starts and one answer is sent', async () => {
    const op = `stack/dev/${STACK}`;
    const body = slashCommandBody(ALICE, `deploy stack ${STACK} to dev`, 'C0DEVOPS1', fake.responseUrl('two'));
    const ts = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      bots.map((b) => postSigned(b.url, SIGNING_SECRET, body, FORM, { timestamp: ts })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await eventually(
      async () =>
        (await bots[0]?.session.gateway.state(op).catch(() => undefined))?.phase === 'awaiting-approval'
          ? true
          : undefined,
      90_000,
      'awaiting approval',
    );
    await new Promise((r) => setTimeout(r, 1500)); // room for a second (wrong) start to show
    const started = fake.callsOf('response_url').filter((c) => String(c.args.text).startsWith(`Started \`${op}\``));
    expect(started).toHaveLength(1);
    // The other bot dropped the delivery as seen: not even an "Already started" (which separate ledgers give).
    expect(fake.callsOf('response_url')).toHaveLength(1);
    const requested = (await openStateStores(config).audit.forOperation(op)).filter((r) => r.action === 'requested');
    expect(requested).toHaveLength(1);
    const client = await testClient(config);
    try {
      const runs: string[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${op}'` })) runs.push(w.runId);
      expect(runs).toHaveLength(1);
    } finally {
      await client.connection.close();
    }
    await bots[1]?.session.gateway.cancel(op, person('alice'));
  }, 180_000);
});
