/**
 * A task queue per environment (issue 20 item 4): PRD's work runs on PRD's own queue, so a worker in the PRD account
 * can serve PRD alone, and a worker that does not serve PRD never runs its work. Real Temporal (the test sandbox),
 * real workers, the real gateway.
 */
import { randomBytes } from 'node:crypto';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { AppConfig } from '../../core/config';
import type { CommandResult } from '../../core/commands/results';
import {
  allTaskQueues,
  environmentOfWorkflowId,
  parseWorkerServes,
  servedQueues,
  taskQueueFor,
} from '../../core/task-queues';
import { composeActivities } from '../../worker/compose';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { createWorker } from '../../worker/create-worker';
import { ensureSchedules, scheduleIdOf } from '../../worker/schedules';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testClient, testConfig, workflowBundle } from '../support/sandbox';

const base = testConfig();
const PRD_QUEUE = `${base.temporal.taskQueue}-prd`;
/** PRD on its own queue; DEV, TST and the general work on the deployment's queue. */
const config: AppConfig = {
  ...base,
  environments: { ...base.environments, prd: { ...base.environments.prd, taskQueue: PRD_QUEUE } },
  drift: {
    ...(base.drift ?? { ignore: [], concurrency: 2, pollMs: 100 }),
    schedule: { prd: { everySeconds: 3600, jitterSeconds: 0, paused: true } },
  },
};

describe('task queues: pure rules', () => {
  it('GIVEN workflow ids THEN the environment is the second segment, or none', () => {
    expect(environmentOfWorkflowId('stack/prd/vpc')).toBe('prd');
    expect(environmentOfWorkflowId('drift/dev/vpc/req-1')).toBe('dev');
    expect(environmentOfWorkflowId('scan/image/req-1')).toBeUndefined();
    expect(environmentOfWorkflowId('interpret/req-1')).toBeUndefined();
    expect(taskQueueFor(config, 'prd')).toBe(PRD_QUEUE);
    expect(taskQueueFor(config, 'dev')).toBe(base.temporal.taskQueue);
    expect(taskQueueFor(config)).toBe(base.temporal.taskQueue);
    expect(allTaskQueues(config)).toEqual([base.temporal.taskQueue, PRD_QUEUE]);
  });

  it('GIVEN what a worker serves THEN the queues it polls, and a shared queue it would half-serve is refused', () => {
    expect(servedQueues(config, ['prd'])).toEqual({
      ok: true,
      queues: [{ taskQueue: PRD_QUEUE, environments: ['prd'], general: false }],
    });
    expect(servedQueues(config, ['dev', 'tst', 'general'])).toEqual({
      ok: true,
      queues: [{ taskQueue: base.temporal.taskQueue, environments: ['dev', 'tst'], general: true }],
    });
    const half = servedQueues(config, ['dev']);
    expect(half.ok).toBe(false);
    if (!half.ok)
      expect(half.problem).toBe(
        `task queue '${base.temporal.taskQueue}' carries dev, tst, general, but this worker serves only dev: it would ` +
          `also pick up tst, general work. Give them a queue of their own (environments.<env>.taskQueue), or serve tst, general too.`,
      );
    expect(parseWorkerServes(' prd , general ')).toEqual({ ok: true, serves: ['prd', 'general'] });
    expect(parseWorkerServes('prod')).toEqual({
      ok: false,
      problem:
        "INFRA_AGENT_WORKER_SERVES: 'prod' is not one of dev, tst, prd, general (e.g. INFRA_AGENT_WORKER_SERVES=prd)",
    });
    expect(parseWorkerServes(undefined)).toEqual({ ok: true, serves: ['dev', 'tst', 'prd', 'general'] });
  });
});

describe('task queues: PRD served by its own worker', () => {
  let general: RunningWorker;
  let session: GatewaySession;
  const alice = person('alice');

  async function run(line: string): Promise<{ result: CommandResult; requestId: string }> {
    const parsed = session.gateway.parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    const requestId = randomBytes(6).toString('hex');
    return { result: await session.gateway.execute(parsed.command, { ...alice, requestId }), requestId };
  }

  beforeAll(async () => {
    // The deployment's worker serves dev, tst and the general work — not prd.
    general = await startWorker(config, composeActivities(config, process.env, { servedEnvironments: ['dev', 'tst'] }));
    session = await openGateway(config);
  });
  afterAll(async () => {
    await session?.close();
    await general?.stop();
  });

  it('GIVEN no worker on the PRD queue THEN a PRD command says so at once, naming that queue; DEV still works', async () => {
    await expect(run('whoami prd')).rejects.toThrow(`No worker answered on task queue '${PRD_QUEUE}'`);
    const dev = await run('whoami dev');
    expect(dev.result.kind).toBe('whoami');
    const client = await testClient(config);
    try {
      const d = await client.workflow.getHandle(`whoami/dev/${dev.requestId}`).describe();
      expect(d.taskQueue).toBe(base.temporal.taskQueue);
    } finally {
      await client.connection.close();
    }
  });

  it('GIVEN a PRD-only worker THEN PRD commands and PRD schedules run on PRD’s queue, on that worker', async () => {
    let prd: { worker: Worker; connection: NativeConnection } | undefined;
    let running: Promise<void> | undefined;
    const client = await testClient(config);
    try {
      prd = await createWorker({
        temporal: config.temporal,
        taskQueue: PRD_QUEUE,
        activities: composeActivities(config, process.env, { servedEnvironments: ['prd'] }),
        workflowBundle: await workflowBundle(),
        shutdownGraceTime: '1s',
      });
      running = prd.worker.run();
      const { result, requestId } = await run('whoami prd');
      expect(result.kind === 'whoami' && result.identity.environment).toBe('prd');
      const d = await client.workflow.getHandle(`whoami/prd/${requestId}`).describe();
      expect(d.taskQueue).toBe(PRD_QUEUE);

      // The worker ensures the schedules of what it serves; PRD's check starts on PRD's queue.
      expect(await ensureSchedules(client, config, ['prd'])).toEqual([
        { scheduleId: scheduleIdOf(config, 'drift', 'prd'), environment: 'prd', result: 'created' },
      ]);
      const s = await client.schedule.getHandle(scheduleIdOf(config, 'drift', 'prd')).describe();
      expect(s.action.type === 'startWorkflow' && s.action.taskQueue).toBe(PRD_QUEUE);
      expect(await ensureSchedules(client, config, ['prd'])).toEqual([
        { scheduleId: scheduleIdOf(config, 'drift', 'prd'), environment: 'prd', result: 'unchanged' },
      ]);
      await client.schedule.getHandle(scheduleIdOf(config, 'drift', 'prd')).delete();
    } finally {
      if (prd && prd.worker.getState() === 'RUNNING') prd.worker.shutdown();
      await running;
      await prd?.connection.close();
      await client.connection.close();
    }
  });
});
