import type { AppConfig } from '../../core/config';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

/**
 * A Helm release whose chart renders a rollout's objects (issue 14 item 3): the `hello` chart renders Service and
 * Deployment `hello-hello`, and the worker's catalog has a blue/green service of that name in the same namespace.
 * The config check at load catches the likely names; the preview checks what the chart really renders.
 */
describe('helm previews refuse objects a blue/green rollout owns', () => {
  let cluster: PrivateCluster;
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;

  beforeAll(async () => {
    cluster = await startPrivateCluster(1);
    const base = rolloutTestConfig(cluster, { 'hello-hello': testServiceYaml({}, { namespace: 'hello' }) }).config;
    // Built in memory, as a config the loader's name check would not have caught (a chart's own naming).
    config = {
      ...base,
      releases: { hello: { name: 'hello', chart: './test/fixtures/charts/hello', namespace: 'hello' } },
    };
    worker = await startWorker(config);
    session = await openGateway(config);
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    await worker?.stop();
    await cluster?.stop();
  }, 60_000);

  it('GIVEN such a release WHEN its diff is read or an install is asked for THEN both say which object of which service it would take over, and nothing is installed', async () => {
    await expect(
      session.gateway.kubernetesRead({ name: 'helm-diff', release: 'hello', env: 'dev' }, person('alice')),
    ).rejects.toThrow(
      /release 'hello' would take over objects a blue\/green rollout owns: .*hello-dev\/hello-hello \(owned by the rollout of service 'hello-hello'\)/,
    );
    const op = (await session.gateway.startHelmRelease('helm-install', 'hello', 'dev', person('alice'))).operationId;
    const done = await session.gateway.result(op);
    expect(done.outcome).toBe('failed');
    expect(done.message).toMatch(/would take over objects a blue\/green rollout owns/);
    expect(done.approvals).toEqual([]);
  }, 180_000);
});
