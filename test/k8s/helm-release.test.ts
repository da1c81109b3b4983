import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import type { HelmValues } from '../../core/k8s/request';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { replayAndMaybeRecord } from '../support/histories';
import { rolloutTestConfig } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const exec = promisify(execFile);
const CHART = './test/fixtures/charts/hello';

/** Helm writes through the same approval shapes as stack changes, against a real cluster. */
describe('helm releases: diff preview, approval bound to the revision, one write', () => {
  let cluster: PrivateCluster;
  let base: AppConfig;
  let worker: RunningWorker;
  let client: Client;
  const sessions: GatewaySession[] = [];

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    base = rolloutTestConfig(cluster, {}).config;
    worker = await startWorker(base);
    client = await testClient(base);
  }, 240_000);
  afterAll(async () => {
    for (const s of sessions) await s.close();
    await client?.connection.close();
    await worker?.stop();
    await cluster?.stop();
  }, 60_000);

  /** A gateway whose catalog has release `hello` with these values (and `hooked`, a chart with hooks). */
  const gateway = async (values?: HelmValues) => {
    const s = await openGateway({
      ...base,
      releases: {
        hello: { name: 'hello', chart: CHART, namespace: 'hello', ...(values ? { values } : {}) },
        hooked: { name: 'hooked', chart: './test/fixtures/charts/hooked', namespace: 'hooked' },
      },
    });
    sessions.push(s);
    return s.gateway;
  };
  const awaitingApproval = async (gw: Awaited<ReturnType<typeof gateway>>, op: string): Promise<OperationState> =>
    eventually(
      async () => {
        const s = await gw.state(op);
        return s.phase === 'awaiting-approval' || s.outcome ? s : undefined;
      },
      120_000,
      'approval wait',
    );
  const replicas = async (): Promise<number> =>
    Number(
      (
        await exec(cluster.kube.bin.kubectl, [
          '--kubeconfig',
          cluster.kube.kubeconfig,
          '--context',
          cluster.kube.contextName,
          'get',
          'deployment',
          'hello-hello',
          '-n',
          'hello-dev',
          '-o',
          'jsonpath={.spec.replicas}',
        ])
      ).stdout,
    );

  it('GIVEN a new release WHEN install is approved THEN the preview listed what is added and revision 1 runs', async () => {
    const gw = await gateway();
    const op = (await gw.startHelmRelease('helm-install', 'hello', 'dev', person('alice'))).operationId;
    expect(op).toBe('helm/dev/hello');
    const pending = await awaitingApproval(gw, op);
    expect(pending.preview!.changes.map((c) => `${c.action} ${c.resourceType} ${c.logicalId}`).sort()).toEqual([
      'Add Deployment hello-dev/hello-hello',
      'Add Service hello-dev/hello-hello',
    ]);
    // The artifact names this run: its full run id, not a prefix runs started a minute apart share.
    const { runId } = await client.workflow.getHandle(op).describe();
    expect(pending.preview!.artifactId).toBe(`hello@0#${runId}`);
    await expect(gw.approve(op, person('alice'))).rejects.toThrow(/someone else must approve/);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw.result(op)).toMatchObject({
      outcome: 'succeeded',
      message: 'hello is at revision 1 (deployed) in hello-dev',
    });
    expect(await replicas()).toBe(2);
    await replayAndMaybeRecord(client, op, 'helm-install-succeeded');
  }, 180_000);

  it('GIVEN new values WHEN upgrade is approved THEN the preview shows the field change; the same values again are no change', async () => {
    const gw = await gateway({ replicaCount: 3 });
    const op = (await gw.startHelmRelease('helm-upgrade', 'hello', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(gw, op);
    expect(pending.preview!.changes).toEqual([
      expect.objectContaining({
        action: 'Modify',
        resourceType: 'Deployment',
        logicalId: 'hello-dev/hello-hello',
        scope: ['spec.replicas: 2 → 3'],
      }),
    ]);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw.result(op)).toMatchObject({ outcome: 'succeeded', message: expect.stringContaining('revision 2') });
    expect(await replicas()).toBe(3);

    const again = (await gw.startHelmRelease('helm-upgrade', 'hello', 'dev', person('alice'))).operationId;
    expect(await gw.result(again)).toMatchObject({ outcome: 'no-changes' });
  }, 180_000);

  it('GIVEN an approved upgrade WHEN the release moved after the preview THEN nothing is applied over it', async () => {
    const gw = await gateway({ replicaCount: 4 });
    const op = (await gw.startHelmRelease('helm-upgrade', 'hello', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(gw, op);
    // Someone changes the release outside infra-agent (revision 2 → 3).
    await exec(cluster.helm, [
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--kube-context',
      cluster.kube.contextName,
      'upgrade',
      'hello',
      CHART.replace('./', `${process.cwd()}/`),
      '--namespace',
      'hello-dev',
      '--set',
      'replicaCount=1',
    ]);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw.result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toMatch(/is at revision 3, not 2 as approved; someone changed it/);
    expect(await replicas()).toBe(1);
    await replayAndMaybeRecord(client, op, 'helm-upgrade-release-moved');
  }, 180_000);

  it('GIVEN a rollback to revision 1 WHEN approved THEN a new revision carries revision 1 content', async () => {
    const gw = await gateway();
    await expect(gw.startHelmRelease('helm-rollback', 'hello', 'dev', person('alice'))).rejects.toThrow(
      /say which revision/,
    );
    const op = (await gw.startHelmRelease('helm-rollback', 'hello', 'dev', person('alice'), { revision: 1 }))
      .operationId;
    const pending = await awaitingApproval(gw, op);
    expect(pending.preview!.changes[0]?.scope?.[0]).toMatch(/^revision 3 .* → a new revision with the content of 1$/);
    // The card carries what the rollback changes, field by field: revision 3 has 1 replica, revision 1 had 2.
    expect(pending.preview!.changes.slice(1)).toEqual([
      {
        action: 'Modify',
        resourceType: 'Deployment',
        logicalId: 'hello-dev/hello-hello',
        scope: ['spec.replicas: 1 → 2'],
      },
    ]);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw.result(op)).toMatchObject({ outcome: 'succeeded', message: expect.stringContaining('revision 4') });
    expect(await replicas()).toBe(2);
  }, 180_000);

  it('GIVEN a chart with a test hook and a pre-install hook WHEN installed THEN the preview counts the release objects only and lists the hook apart; unchanged, an upgrade is no change', async () => {
    const gw = await gateway();
    const op = (await gw.startHelmRelease('helm-install', 'hooked', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(gw, op);
    expect(pending.preview!.changes.map((c) => `${c.action} ${c.resourceType} ${c.logicalId}`)).toEqual([
      'Add Deployment hooked-dev/hooked-hooked',
    ]);
    expect(pending.preview!.hooks).toEqual(['pre-install,pre-upgrade ConfigMap hooked-dev/hooked-prepare']);
    await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect(await gw.result(op)).toMatchObject({ outcome: 'succeeded' });

    const again = (await gw.startHelmRelease('helm-upgrade', 'hooked', 'dev', person('alice'))).operationId;
    expect(await gw.result(again)).toMatchObject({ outcome: 'no-changes' });
  }, 180_000);
});
