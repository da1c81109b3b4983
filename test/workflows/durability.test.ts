import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { up } from '../../sandbox/manager';
import { stopRecorded } from '../../sandbox/process-control';
import { temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { startChildWorker } from '../support/child-worker';
import { replayAndMaybeRecord } from '../support/histories';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';
import { freshTemplate } from '../support/fresh-template';

const STACKS = {
  'logs-kill-wait': 'stacks/audit-log-group.yaml',
  'logs-kill-exec': 'stacks/audit-log-group.yaml',
  'logs-restart': 'stacks/audit-log-group.yaml',
};

describe('durability: worker kill -9 and Temporal server restart', () => {
  let config: AppConfig;
  let session: GatewaySession;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    config = withFixtureStacks(testConfig(), STACKS);
    config = {
      ...config,
      stacks: { ...config.stacks, 'logs-kill-validate': { name: 'logs-kill-validate', template: freshTemplate() } },
    };
    // A lost execute attempt is retried after this start-to-close timeout: short, so the test runs in seconds.
    session = await openGateway(config, { pollMs: 100, mutatingCallTimeoutMs: 4000 });
    aws = awsClients(config);
  });
  afterAll(async () => {
    aws.destroy();
    await session.close();
  });

  const gw = () => session.gateway;
  const awaitingApproval = (op: string): Promise<OperationState> =>
    eventually(
      async () => ((await gw().state(op)).phase === 'awaiting-approval' ? gw().state(op) : undefined),
      90_000,
      'approval wait',
    );
  const executedRecords = async (op: string) =>
    (await gw().audit(1000)).filter((r) => r.operationId === op && r.action === 'executed');
  const stackLevelCompletions = async (stackName: string): Promise<number> =>
    (await aws.events(stackName)).filter(
      (e) => e.LogicalResourceId === stackName && e.ResourceStatus === 'CREATE_COMPLETE',
    ).length;

  it('GIVEN a deploy waiting for approval WHEN its worker is killed -9 THEN a new worker picks it up and the approval completes it once', async () => {
    const w1 = await startChildWorker(config.temporal.taskQueue);
    const op = (await gw().startStackOperation('deploy-stack', 'logs-kill-wait', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await w1.kill9();

    const w2 = await startWorker(config);
    try {
      await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
      expect(await gw().result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
      expect(await executedRecords(op)).toHaveLength(1);
      expect(await stackLevelCompletions('infra-agent-dev-logs-kill-wait')).toBe(1);
    } finally {
      await w2.stop();
    }
  });

  it('GIVEN an approved deploy WHEN the worker dies right after ExecuteChangeSet was sent THEN the retry sees it already ran and does not run it again', async () => {
    const w1 = await startChildWorker(config.temporal.taskQueue, {
      INFRA_AGENT_FAULT_KILL_AFTER: 'ExecuteChangeSetCommand',
    });
    const op = (await gw().startStackOperation('deploy-stack', 'logs-kill-exec', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await w1.exited).toBeNull(); // killed by signal, right after the call
    expect(w1.output()).toContain('[fault-injection] ExecuteChangeSetCommand sent; killing worker');
    expect(await aws.stackStatus('infra-agent-dev-logs-kill-exec')).toBe('CREATE_COMPLETE');

    const w2 = await startWorker(config);
    try {
      expect(await gw().result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
      const executed = await executedRecords(op);
      expect(executed).toHaveLength(1);
      expect(executed[0]?.details).toMatchObject({ alreadyExecuted: true });
      expect(await stackLevelCompletions('infra-agent-dev-logs-kill-exec')).toBe(1);
      const client = await testClient(config);
      await replayAndMaybeRecord(client, op, 'deploy-execute-retried-after-worker-kill');
      await client.connection.close();
    } finally {
      await w2.stop();
    }
  });

  it('GIVEN a deploy waiting for approval WHEN the Temporal server restarts THEN a later approval still completes it', async () => {
    const settings = JSON.parse(
      readFileSync(join(process.env.INFRA_AGENT_TEST_DIR!, 'sandbox.json'), 'utf8'),
    ) as SandboxSettings;
    const worker = await startWorker(config);
    try {
      const op = (await gw().startStackOperation('deploy-stack', 'logs-restart', 'dev', person('alice'))).operationId;
      const pending = await awaitingApproval(op);
      expect(await stopRecorded(settings.stateDir, 'temporal')).toBe('stopped');
      await up(settings, [temporalService(settings)], () => undefined);
      await eventually(
        async () => ((await gw().state(op)).phase === 'awaiting-approval' ? true : undefined),
        60_000,
        'state after restart',
      );
      await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
      expect(await gw().result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
    } finally {
      await worker.stop();
    }
  });

  it('GIVEN a deploy validating on a worker WHEN that worker is killed -9 THEN a worker already running takes the validation over within seconds, not after the 10-minute start-to-close', async () => {
    // The killed worker's cfn-lint never finishes, so the kill surely lands while validation runs.
    const w1 = await startChildWorker(config.temporal.taskQueue, { INFRA_AGENT_FAULT_HANG_COMMAND: 'cfn-lint' });
    let w2: Awaited<ReturnType<typeof startWorker>> | undefined;
    const client = await testClient(config);
    try {
      const op = (await gw().startStackOperation('deploy-stack', 'logs-kill-validate', 'dev', person('alice')))
        .operationId;
      await eventually(
        () => Promise.resolve(w1.output().includes('[fault-injection] cfn-lint started') ? true : undefined),
        60_000,
        'validation to start on the first worker',
      );
      w2 = await startWorker(config); // a second worker, already polling when the first dies
      const killedAt = Date.now();
      await w1.kill9();

      const validated = await eventually(
        async () => (await gw().audit(1000)).find((r) => r.operationId === op && r.action === 'validated'),
        150_000,
        'the validation to be taken over',
      );
      const takeoverSeconds = (Date.parse(validated.at) - killedAt) / 1000;
      console.log(
        `[durability] validation finished on the second worker ${takeoverSeconds.toFixed(1)} s after kill -9`,
      );
      expect(takeoverSeconds).toBeLessThan(90);

      // The history says how: the first attempt timed out on its heartbeat, the second completed.
      const events = (await client.workflow.getHandle(op).fetchHistory()).events ?? [];
      const scheduled = events.find(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'validateTemplates',
      );
      expect(scheduled?.activityTaskScheduledEventAttributes?.heartbeatTimeout?.seconds).toBeTruthy();
      const started = events.find(
        (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId),
      )?.activityTaskStartedEventAttributes;
      expect(started?.attempt).toBe(2);
      expect(started?.lastFailure?.message).toMatch(/heartbeat/i);

      const pending = await awaitingApproval(op);
      expect(pending.findings.filter((f) => f.severity === 'error')).toEqual([]);
      await gw().cancel(op, person('alice'));
      expect((await gw().result(op)).outcome).toBe('cancelled');
    } finally {
      await client.connection.close();
      if (w1.process.exitCode === null && w1.process.signalCode === null) await w1.kill9();
      await w2?.stop();
    }
  });
});
