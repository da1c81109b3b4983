import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { executeLine } from '../../cli/execute';
import type { Output } from '../../cli/execute';
import type { KubeReadCommand } from '../../core/commands/types';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const exec = promisify(execFile);

/** A Deployment like one colour of a rollout: `<service>-<colour>`, label app=<service>. */
const deployment = (name: string, app: string, image: string) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'payments-dev', labels: { app } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app, deployment: name } },
      template: {
        metadata: { labels: { app, deployment: name } },
        spec: { containers: [{ name: 'app', image }] },
      },
    },
  });

/**
 * The Kubernetes read commands end to end: typed line → gateway → kubernetesReadWorkflow → k8sRead → kubectl
 * against a real (private) control plane, and back as the terminal prints it.
 */
describe('Kubernetes read commands through the gateway, against a real cluster', () => {
  let cluster: PrivateCluster;
  let worker: RunningWorker;
  let session: GatewaySession;
  const kubectl = (...args: string[]) =>
    exec(cluster.kube.bin.kubectl, [
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--context',
      cluster.kube.contextName,
      ...args,
    ]);
  const kubectlIn = async (input: string, ...args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile(
        cluster.kube.bin.kubectl,
        ['--kubeconfig', cluster.kube.kubeconfig, '--context', cluster.kube.contextName, ...args],
        (e: Error | null) => (e ? reject(e) : resolve()),
      );
      child.stdin?.end(input);
    });

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    // dev's cluster is the private one (namespaces get `-dev`); tst and prd have no cluster.
    const { config } = rolloutTestConfig(cluster, { 'payments-api': testServiceYaml({}, { namespace: 'payments' }) });
    worker = await startWorker(config);
    session = await openGateway(config);
    await kubectl('create', 'namespace', 'payments-dev');
    await kubectlIn(
      deployment('payments-api-blue', 'payments-api', 'ghcr.io/example/payments-api:1.4.2'),
      'apply',
      '-f',
      '-',
    );
    // Another app in the same namespace: never shown as the service's.
    await kubectlIn(deployment('ledger-blue', 'ledger', 'ghcr.io/example/ledger:3.0.0'), 'apply', '-f', '-');
  }, 240_000);
  afterAll(async () => {
    await session?.close();
    await worker?.stop();
    await cluster?.stop();
  }, 60_000);

  const run = async (line: string) => {
    const out: string[] = [];
    const o: Output = { out: (s) => out.push(s), err: (s) => out.push(`ERR ${s}`) };
    const code = await executeLine(session, person('alice'), line, o);
    return { code, text: out.join('\n') };
  };

  it('GIVEN a Deployment of payments-api in payments-dev WHEN `pods payments-api dev` runs THEN the terminal shows its pods, not the other app', async () => {
    // kwok marks pods Running once the scheduler placed them.
    const pods = await eventually(
      async () => {
        const r = await session.gateway.kubernetesRead(
          { name: 'service-pods', service: 'payments-api', env: 'dev' },
          person('alice'),
        );
        return r.result.kind === 'get' && r.result.table.rows.filter((x) => x[2] === 'Running').length === 2
          ? r
          : undefined;
      },
      90_000,
      'two running payments-api pods',
    );
    expect(pods).toMatchObject({ environment: 'dev', namespace: 'payments-dev' });
    const { code, text } = await run('pods payments-api dev');
    expect(code).toBe(0);
    const lines = text.split('\n');
    expect(lines[0]).toBe('[dev] payments-dev: pods of payments-api (label app=payments-api)');
    expect(lines[1]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+NODE\s+AGE$/);
    expect(lines.slice(2)).toHaveLength(2);
    for (const l of lines.slice(2))
      expect(l).toMatch(/^payments-api-blue-[a-z0-9]+-[a-z0-9]+\s+\d\/1\s+Running\s+0\s+\S+\s+\d+[smhd]$/);
    expect(text).not.toContain('ledger');
  }, 120_000);

  it('GIVEN the same service WHEN `deployments` and `events` run THEN the colour with its image and ready count, and the namespace events', async () => {
    const deployments = await run('deployments payments-api dev');
    expect(deployments.code).toBe(0);
    expect(deployments.text).toMatch(
      /^\[dev\] payments-dev: Deployments of payments-api \(label app=payments-api\)\nNAME/,
    );
    expect(deployments.text).toMatch(
      /payments-api-blue\s+\d\/2\s+\d\s+\d\s+\S+\s+ghcr\.io\/example\/payments-api:1\.4\.2/,
    );
    expect(deployments.text).not.toContain('ledger');

    const events = await eventually(
      async () => {
        const r = await run('events payments-api dev');
        return r.text.includes('ScalingReplicaSet') ? r : undefined;
      },
      30_000,
      'events',
    );
    expect(events.code).toBe(0);
    expect(events.text).toMatch(
      /^\[dev\] payments-dev: events, newest last\nLAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/,
    );
    expect(events.text).toMatch(/deployment\/payments-api-blue/);
  }, 60_000);

  it('GIVEN a pod of the service WHEN its logs are asked for THEN kubectl logs ran in the namespace and its answer is reported (kwok pods have no logs)', async () => {
    const pod = (
      await kubectl(
        'get',
        'pods',
        '-n',
        'payments-dev',
        '-l',
        'app=payments-api',
        '-o',
        'jsonpath={.items[0].metadata.name}',
      )
    ).stdout;
    expect(pod).toMatch(/^payments-api-blue-/);
    await expect(
      session.gateway.kubernetesRead({ name: 'pod-logs', pod, service: 'payments-api', env: 'dev' }, person('alice')),
    ).rejects.toThrow(/^reading payments-dev in dev failed: kubectl logs failed/);
    // A pod of another app in the namespace is refused before anything runs.
    const { code, text } = await run('logs ledger-blue-1 payments-api dev');
    expect(code).toBe(2);
    expect(text).toContain("'ledger-blue-1' is not a pod of payments-api");
  }, 60_000);

  it('GIVEN reads the config cannot place THEN the errors say what to configure, and nothing reaches a cluster', async () => {
    const read = (c: KubeReadCommand) => session.gateway.kubernetesRead(c, person('alice'));
    await expect(read({ name: 'service-pods', service: 'payments-api', env: 'tst' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'environment: tst has no cluster; add environments.tst.cluster (name, kubeContext) to the config',
    });
    await expect(read({ name: 'service-pods', service: 'orders', env: 'dev' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: "service: 'orders' is not in the catalog; known services: payments-api",
    });
    // A catalog release that was never installed: helm's own answer, as a clear error.
    await expect(read({ name: 'helm-history', release: 'sample-app', env: 'dev' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringMatching(/sample-app/),
    });
    const typed = await run('pods payments-api tst');
    expect(typed).toEqual({
      code: 1,
      text: 'ERR invalid: environment: tst has no cluster; add environments.tst.cluster (name, kubeContext) to the config',
    });
  }, 60_000);
});
