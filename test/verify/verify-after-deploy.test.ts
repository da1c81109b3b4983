/**
 * The verification after a deploy (`verify-after-deploy`), on the real servers: a stack deployed and approved
 * through the gateway on the sandbox's moto, then verified by the workflow — the result in the operation's state and
 * in its Slack thread (fake Slack); a deploy whose output is left empty succeeds in CloudFormation's terms, its
 * verification fails, and on call is alerted in the alerts channel with check `verify`.
 */
import { randomBytes } from 'node:crypto';
import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const GOOD = `vdeploy-ok-${suffix}`;
const EMPTY = `vdeploy-empty-${suffix}`;
const STATUS = 'C0VERIFYOPS';

let fake: FakeSlack;
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let client: Client;
let aws: ReturnType<typeof awsClients>;
let alerts = '';

async function deployAndApprove(stack: string): Promise<OperationState> {
  const gw = session.gateway;
  const started = await gw.startStackOperation('deploy-stack', stack, 'dev', person('alice'), {
    notify: { channel: STATUS, alertsChannel: alerts },
  });
  const pending = await eventually(
    async () => {
      const s = await gw.state(started.operationId);
      if (s.outcome) throw new Error(`${started.operationId} ended ${s.outcome}: ${s.message}`);
      return s.phase === 'awaiting-approval' ? s : undefined;
    },
    60_000,
    `${started.operationId} to await approval`,
  );
  await gw.approve(started.operationId, person('bob'), { artifactId: pending.preview!.artifactId });
  return gw.result(started.operationId);
}

/** The operation's `done` reply in its thread (text and blocks as one string). */
const doneReply = (stack: string): Promise<string> =>
  poll(() => {
    const m = fake
      .messagesIn(STATUS)
      .find((x) => x.text.includes('Done —') && x.text.includes(`infra-agent-dev-${stack}`));
    if (m) expect(blockKitViolations(m.blocks)).toEqual([]);
    return m ? JSON.stringify(m.blocks) : undefined;
  }, 30_000);

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(
    withFixtureStacks(testConfig(), {
      [GOOD]: 'stacks/audit-log-group.yaml',
      [EMPTY]: 'stacks/verify-empty-output.yaml',
    }),
    fake,
  );
  config = { ...base, services: {}, releases: {} };
  alerts = config.environments.dev.slack.alertsChannel!;
  worker = await startWorker(config);
  session = await openGateway(config, { pollMs: 100 });
  client = await testClient(config);
  aws = awsClients(config);
}, 120_000);

afterAll(async () => {
  for (const s of [GOOD, EMPTY])
    await aws?.cfn.send(new DeleteStackCommand({ StackName: `infra-agent-dev-${s}` })).catch(() => undefined);
  await client?.connection.close();
  await session?.close();
  await worker?.stop();
  await fake?.stop();
  aws?.destroy();
});

describe('verification after a stack deploy', () => {
  test('GIVEN an approved deploy WHEN the stack settles THEN it is verified, the checks in the thread, no alert', async () => {
    const t0 = Date.now();
    const done = await deployAndApprove(GOOD);
    console.log(`deploy + verification (PASSED) in ${Date.now() - t0} ms`);
    expect(done).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
    expect(done.message).toBe(`infra-agent-dev-${GOOD} is CREATE_COMPLETE; verification passed (4 checks)`);
    expect(done.verification).toMatchObject({ kind: 'stack', subject: GOOD, status: 'PASSED' });
    const thread = await doneReply(GOOD);
    expect(thread).toContain('verification passed (4 checks)');
    expect(thread).toContain('passed  resource LogKey (AWS::KMS::Key): CREATE_COMPLETE');
    expect(thread).toContain('passed  output LogGroupName: present');
    expect(fake.messagesIn(alerts).filter((m) => m.text.includes(`verify/dev/${GOOD}`))).toEqual([]);
    await replayAndMaybeRecord(client, done.operationId, 'deploy-verified');
  });

  test('GIVEN a deploy leaving an output empty WHEN verified THEN the deploy succeeds, the verification fails, on call is alerted', async () => {
    const done = await deployAndApprove(EMPTY);
    expect(done.outcome).toBe('succeeded');
    expect(done.verification?.status).toBe('FAILED');
    expect(done.message).toBe(`infra-agent-dev-${EMPTY} is CREATE_COMPLETE; verification FAILED: output RunbookUrl`);
    const thread = await doneReply(EMPTY);
    expect(thread).toMatch(
      /FAILED {2}output RunbookUrl: (present but empty|declared in the template, missing on the stack)/,
    );

    const key = `verify/dev/${EMPTY}`;
    const posted = await poll(() => {
      const m = fake.messagesIn(alerts).filter((x) => !x.threadTs && x.text.includes(key));
      return m.length ? m : undefined;
    }, 30_000);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toContain(`verify alert ${key}`);
    expect(JSON.stringify(posted[0]!.blocks)).toContain('output RunbookUrl');
    // No Remediate button: a failed verification has no drift-reverting change set.
    expect(JSON.stringify(posted[0]!.blocks)).not.toContain('remediate');
    await replayAndMaybeRecord(client, done.operationId, 'deploy-verification-failed');
  });
});
