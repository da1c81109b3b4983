import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { up } from '../../sandbox/manager';
import { stopRecorded } from '../../sandbox/process-control';
import { temporalService } from '../../sandbox/services';
import type { SandboxSettings } from '../../sandbox/settings';
import { whoamiWorkflow } from '../../workflows';
import { startWorker, testClient, testConfig } from '../support/sandbox';

describe('durability across a Temporal server restart', () => {
  it('GIVEN a workflow started with no worker WHEN the server restarts THEN the workflow is still there and completes', async () => {
    const settings = JSON.parse(
      readFileSync(join(process.env.INFRA_AGENT_TEST_DIR!, 'sandbox.json'), 'utf8'),
    ) as SandboxSettings;
    const config = testConfig();
    const client = await testClient(config);
    const handle = await client.workflow.start(whoamiWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `whoami/dev/restart-${Date.now()}`,
      args: [
        {
          environment: 'dev',
          region: 'us-east-1',
          requester: { userId: 'alice', displayName: 'Alice', via: 'cli', requestId: 'x' },
        },
      ],
    });
    await client.connection.close();

    expect(await stopRecorded(settings.stateDir, 'temporal')).toBe('stopped');
    await up(settings, [temporalService(settings)], () => undefined);

    const client2 = await testClient(config);
    const again = client2.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    expect((await again.describe()).status.name).toBe('RUNNING');
    const worker = await startWorker(config);
    try {
      await expect(again.result()).resolves.toMatchObject({ account: '123456789012' });
    } finally {
      await worker.stop();
      await client2.connection.close();
    }
  });
});
