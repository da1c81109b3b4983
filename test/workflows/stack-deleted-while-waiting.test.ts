import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities } from '../../worker/compose';
import { awsClients } from '../support/aws';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const STACK = 'logs-deleted-meanwhile';
const STACK_NAME = `infra-agent-dev-${STACK}`;

describe('a stack that disappears while its operation waits for it to settle', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let aws: ReturnType<typeof awsClients>;
  let deletedOutOfBand = false;

  /**
   * The worker's CloudFormation clients, with one test hook: once ExecuteChangeSet has returned, the stack is
   * deleted out-of-band through the AWS SDK (as a person in the console would) before the wait starts polling.
   * The sandbox's CloudFormation completes a change set at once, so this is the window a real wait has.
   */
  const deletingAfterExecute = (factory: AwsClientFactory): AwsClientFactory => ({
    ...factory,
    cloudFormation: (t) => {
      const client = factory.cloudFormation(t);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          if (context.commandName === 'ExecuteChangeSetCommand' && !deletedOutOfBand) {
            deletedOutOfBand = true;
            await aws.cfn.send(new DeleteStackCommand({ StackName: STACK_NAME }));
          }
          return out;
        },
        { step: 'initialize', name: 'testDeleteOutOfBand' },
      );
      return client;
    },
  });

  beforeAll(async () => {
    config = withFixtureStacks(testConfig(), { [STACK]: 'stacks/audit-log-group.yaml' });
    aws = awsClients(config);
    worker = await startWorker(config, composeActivities(config, process.env, { aws: deletingAfterExecute }));
    session = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    aws.destroy();
    await session.close();
    await worker.stop();
  });

  it('GIVEN an approved deploy WHEN its stack is deleted out-of-band while the deploy waits THEN the deploy fails and says the stack was deleted', async () => {
    const gw = session.gateway;
    const op = (await gw.startStackOperation('deploy-stack', STACK, 'dev', person('alice'))).operationId;
    const pending = await eventually(
      async () => {
        const s: OperationState = await gw.state(op);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      60_000,
      'approval wait',
    );
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw.result(op);

    expect(deletedOutOfBand).toBe(true);
    expect(await aws.stackStatus(STACK_NAME)).toBeUndefined();
    expect(done).toMatchObject({
      outcome: 'failed',
      stackStatus: 'DELETE_COMPLETE',
      message: expect.stringContaining('the stack was deleted while the deploy waited (by '),
    });
    expect(done.message).toContain('see CloudTrail');
    const records = (await gw.audit(1000)).filter((r) => r.operationId === op);
    expect(records.map((r) => r.action)).toEqual([
      'requested',
      'validated',
      'previewed',
      'approved',
      'executed',
      'failed',
    ]);
    const client = await testClient(config);
    try {
      await replayAndMaybeRecord(client, op, 'deploy-stack-deleted-while-waiting');
    } finally {
      await client.connection.close();
    }
  });
});
