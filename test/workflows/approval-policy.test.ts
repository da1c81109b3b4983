import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const STACKS = { 'logs-policy': 'stacks/audit-log-group.yaml', 'logs-policy-freeze': 'stacks/audit-log-group.yaml' };

describe('the approval policy is the worker’s, whatever the client’s config says', () => {
  let workerConfig: AppConfig;
  let clientConfig: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;

  beforeAll(async () => {
    const base = withFixtureStacks(testConfig(), STACKS);
    const now = Date.now();
    // The worker's config: the sandbox policy (dev: group platform approves), and a freeze in tst right now.
    workerConfig = {
      ...base,
      environments: {
        ...base.environments,
        tst: {
          ...base.environments.tst,
          changeFreezes: [
            {
              from: new Date(now - 3600_000).toISOString(),
              to: new Date(now + 3600_000).toISOString(),
              reason: 'release freeze',
            },
          ],
        },
      },
    };
    // A copied client config that makes developers (dave) approvers and knows of no freeze.
    clientConfig = {
      ...base,
      environments: {
        ...base.environments,
        dev: {
          ...base.environments.dev,
          approval: { ...base.environments.dev.approval, groups: ['platform', 'developers'] },
        },
        tst: { ...base.environments.tst, changeFreezes: [] },
      },
    };
    worker = await startWorker(workerConfig);
    session = await openGateway(clientConfig, { pollMs: 100 });
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  it('GIVEN a client config that makes dave an approver WHEN dave approves THEN the workflow refuses; an approver of the worker’s config can approve', async () => {
    const gw = session.gateway;
    const op = (await gw.startStackOperation('deploy-stack', 'logs-policy', 'dev', person('alice'))).operationId;
    const pending = await eventually(
      async () => {
        const s: OperationState = await gw.state(op);
        return s.phase === 'awaiting-approval' ? s : undefined;
      },
      60_000,
      'approval wait',
    );
    await expect(gw.approve(op, person('dave'), { artifactId: pending.preview!.artifactId })).rejects.toThrow(
      /dave may not approve in this environment \(approvers: alice, bob\)/,
    );
    expect((await gw.state(op)).approvals).toEqual([]);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw.result(op)).toMatchObject({
      outcome: 'succeeded',
      approvals: [expect.objectContaining({ approver: 'bob' })],
    });

    // The policy the run used is in its history: the worker's answer, not the client's input.
    const client = await testClient(workerConfig);
    try {
      const history = await client.workflow.getHandle(op).fetchHistory();
      const scheduled = (history.events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'resolveApprovalPolicy',
      );
      expect(scheduled).toHaveLength(1);
      const completed = (history.events ?? []).find(
        (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled[0]?.eventId),
      );
      const data = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
      expect(JSON.parse(Buffer.from(data ?? []).toString('utf8'))).toEqual({
        approval: { required: 1, expirySeconds: 3600, mfa: false, approvers: ['alice', 'bob'] },
        changeFreezes: [],
      });
    } finally {
      await client.connection.close();
    }
  });

  it('GIVEN a change freeze only the worker’s config knows WHEN a deploy starts THEN it is frozen', async () => {
    const gw = session.gateway;
    const op = (await gw.startStackOperation('deploy-stack', 'logs-policy-freeze', 'tst', person('alice'))).operationId;
    expect(await gw.result(op)).toMatchObject({
      outcome: 'frozen',
      message: expect.stringContaining('release freeze'),
    });
  });
});
