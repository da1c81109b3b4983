import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Activities } from '../../activities';
import type { HelmWriteInput } from '../../activities/k8s';
import type { AppConfig } from '../../core/config';
import type { HelmRollbackDiff, HelmWriteResult } from '../../core/k8s/results';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { composeActivities } from '../../worker/compose';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig } from '../support/sandbox';

/**
 * helmReleaseWorkflow's own decisions on the real Temporal server, with the Kubernetes activities stubbed (the
 * samples' style for workflow branches; test/k8s/helm-*.test.ts run them against a real cluster and helm).
 */
describe('helm release workflow: the approval artifact, the rollback card, a write whose worker went silent', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let client: Client;
  let session: GatewaySession;
  const writes: { attempt: number; at: number }[] = [];
  let silentFirstAttempt = false;

  beforeAll(async () => {
    config = {
      ...testConfig(),
      releases: { web: { name: 'web', chart: './test/fixtures/charts/hello', namespace: 'web' } },
    };
    const rollbackDiff = (): Promise<HelmRollbackDiff> =>
      Promise.resolve({
        release: 'web',
        revision: 3,
        status: 'deployed',
        description: 'Upgrade complete',
        toRevision: 1,
        changes: [
          {
            resource: 'Deployment/web-dev/web-hello',
            change: 'changed',
            fields: [{ path: 'spec.replicas', before: '1', after: '2' }],
          },
        ],
        unchanged: 1,
      });
    const helmWrite = async (input: HelmWriteInput): Promise<HelmWriteResult> => {
      const ctx = Context.current();
      const attempt = ctx.info.attempt;
      writes.push({ attempt, at: Date.now() });
      // A worker that died mid-write: no heartbeat, no answer. Only the heartbeat timeout brings the retry.
      if (silentFirstAttempt && attempt === 1) {
        await new Promise((resolve) => ctx.cancellationSignal.addEventListener('abort', resolve));
        throw new Error('this attempt was given up (its worker went silent)');
      }
      return {
        kind: input.request.kind,
        release: 'web',
        namespace: 'web-dev',
        revision: 4,
        status: 'deployed',
        alreadyApplied: false,
      };
    };
    const activities: Activities = { ...composeActivities(config), helmRollbackDiff: rollbackDiff, helmWrite };
    worker = await startWorker(config, activities);
    client = await testClient(config);
    session = await openGateway(config);
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await client?.connection.close();
    await worker?.stop();
  }, 60_000);

  const awaitingApproval = (op: string): Promise<OperationState> =>
    eventually(
      async () => {
        const s = await session.gateway.state(op);
        return s.phase === 'awaiting-approval' || s.outcome ? s : undefined;
      },
      60_000,
      'approval wait',
    );

  it('GIVEN a rollback WHEN previewed THEN the card carries the field diff and the artifact names the whole run id; WHEN its write goes silent THEN it is retried within the heartbeat timeout', async () => {
    const gw = session.gateway;
    const op = (await gw.startHelmRelease('helm-rollback', 'web', 'dev', person('alice'), { revision: 1 })).operationId;
    const pending = await awaitingApproval(op);
    const { runId } = await client.workflow.getHandle(op).describe();
    expect(pending.preview!.artifactId).toBe(`web@3#${runId}`);
    expect(pending.preview!.changes).toEqual([
      {
        action: 'Modify',
        logicalId: 'web-dev/web',
        resourceType: 'HelmRelease',
        scope: ['revision 3 (deployed) → a new revision with the content of 1'],
      },
      { action: 'Modify', logicalId: 'web-dev/web-hello', resourceType: 'Deployment', scope: ['spec.replicas: 1 → 2'] },
    ]);

    silentFirstAttempt = true;
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw.result(op);
    expect(done).toMatchObject({ outcome: 'succeeded', message: 'web is at revision 4 (deployed) in web-dev' });
    expect(writes.map((w) => w.attempt)).toEqual([1, 2]);
    const retriedAfterMs = writes[1]!.at - writes[0]!.at;
    process.stdout.write(`silent helm write retried after ${retriedAfterMs} ms\n`);
    expect(retriedAfterMs).toBeLessThan(45_000); // the heartbeat timeout, not the 15-minute start-to-close
    await replayAndMaybeRecord(client, op, 'helm-rollback-write-retried');
  }, 120_000);
});
