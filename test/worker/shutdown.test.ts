import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { startChildWorker } from '../support/child-worker';
import type { ChildWorker } from '../support/child-worker';
import { eventually, person, startWorker, testClient, testConfig } from '../support/sandbox';
import type { RunningWorker } from '../support/sandbox';
import { freshTemplate } from '../support/fresh-template';

jest.setTimeout(300_000);

describe('graceful shutdown of a worker on SIGTERM', () => {
  let config: AppConfig;
  let session: GatewaySession;
  let client: Client;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    const base = testConfig();
    config = {
      ...base,
      stacks: {
        ...base.stacks,
        'logs-drain': { name: 'logs-drain', template: freshTemplate() },
        'logs-drain-grace': { name: 'logs-drain-grace', template: freshTemplate() },
      },
    };
    session = await openGateway(config, { pollMs: 100 });
    client = await testClient(config);
    aws = awsClients(config);
  });
  afterAll(async () => {
    aws.destroy();
    await client.connection.close();
    await session.close();
  });

  const gw = () => session.gateway;
  const awaitingApproval = (op: string): Promise<OperationState> =>
    eventually(
      async () => ((await gw().state(op)).phase === 'awaiting-approval' ? gw().state(op) : undefined),
      120_000,
      'approval wait',
    );
  const untilOutput = (w: ChildWorker, text: string) =>
    eventually(() => Promise.resolve(w.output().includes(text) ? true : undefined), 90_000, `'${text}'`);
  /** The validation activity's start events: which attempt ran where, and whether it completed. */
  async function validationAttempts(op: string) {
    const events = (await client.workflow.getHandle(op).fetchHistory()).events ?? [];
    const scheduled = events.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'validateTemplates',
    );
    const started = events.find(
      (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
    );
    const completed = events.find(
      (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
    );
    return {
      started: started?.activityTaskStartedEventAttributes,
      completedBy: completed?.activityTaskCompletedEventAttributes?.identity,
    };
  }
  async function approveAndFinish(op: string, stack: string): Promise<void> {
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw().result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
    const executed = (await gw().audit(2000)).filter((r) => r.operationId === op && r.action === 'executed');
    expect(executed).toHaveLength(1);
    const completions = (await aws.events(stack)).filter(
      (e) => e.LogicalResourceId === stack && e.ResourceStatus === 'CREATE_COMPLETE',
    );
    expect(completions).toHaveLength(1);
  }

  it('GIVEN a worker validating a deploy WHEN it gets SIGTERM THEN /readyz goes 503, the running activity finishes on it, it exits 0, and the deploy completes once on the next worker', async () => {
    const w1 = await startChildWorker(config.temporal.taskQueue, { INFRA_AGENT_FAULT_SLOW_COMMAND: 'cfn-lint:6000' });
    let w2: RunningWorker | undefined;
    try {
      const op = (await gw().startStackOperation('deploy-stack', 'logs-drain', 'dev', person('alice'))).operationId;
      await untilOutput(w1, '[fault-injection] cfn-lint started');
      const sentAt = Date.now();
      w1.process.kill('SIGTERM');
      const readyz = await eventually(
        async () => {
          const r = await fetch(`${w1.healthUrl}/readyz`).catch(() => undefined);
          return r?.status === 503 ? ((await r.json()) as { failed: string[] }) : undefined;
        },
        5_000,
        '/readyz to go 503',
      );
      expect(readyz.failed).toContain('shutdown');
      expect(await w1.exited).toBe(0);
      console.log(`[shutdown] drained and exited 0 in ${Date.now() - sentAt} ms after SIGTERM`);
      expect(w1.output()).toContain('[fault-injection] cfn-lint finished');
      expect(w1.output()).toMatch(/worker stopped/);

      // The first attempt ran and completed on the draining worker: nothing was retried.
      const attempts = await validationAttempts(op);
      expect(attempts.started?.attempt).toBe(1);
      expect(attempts.completedBy).toContain(String(w1.process.pid));

      w2 = await startWorker(config);
      await approveAndFinish(op, 'infra-agent-dev-logs-drain');
    } finally {
      if (w1.process.exitCode === null && w1.process.signalCode === null) await w1.kill9();
      await w2?.stop();
    }
  });
});
