import { execFile } from 'node:child_process';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { createK8sActivities } from '../../activities/k8s';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { BotDeps } from '../../bot/deps';
import { runCommand } from '../../bot/run-command';
import { executeLine } from '../../cli/execute';
import type { Output } from '../../cli/execute';
import type { AppConfig } from '../../core/config';
import type { KubeReadCommand } from '../../core/commands/types';
import { setPodLogs } from '../../sandbox/kube/pod-logs';
import { composeActivities } from '../../worker/compose';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';
import { recordingRun } from './recording-run';

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
 * The Kubernetes read commands end to end: typed line → gateway → kubernetesReadWorkflow → k8sRead (the API
 * client; kubectl for describe) or helmRead → a real (private) control plane, and back as the terminal prints it.
 * The worker's Kubernetes agent records every process it runs, so a test can say which reads ran none.
 */
describe('Kubernetes read commands through the gateway, against a real cluster', () => {
  let cluster: PrivateCluster;
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let calls: ReturnType<typeof recordingRun>['calls'];
  /** The tools the agent ran since the last `ran()`, as [tool, ...args without the kubeconfig flags]. */
  const ran = (): string[][] =>
    calls.splice(0).map((c) => [basename(c.file), ...c.args.filter((a, i, all) => !isTargetFlag(all, i))]);
  const isTargetFlag = (args: readonly string[], i: number): boolean =>
    ['--kubeconfig', '--context', '--kube-context'].includes(args[i] ?? '') ||
    ['--kubeconfig', '--context', '--kube-context'].includes(args[i - 1] ?? '');
  const helm = (...args: string[]) =>
    exec(config.tools.helm, [
      ...args,
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--kube-context',
      cluster.kube.contextName,
    ]);
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
    ({ config } = rolloutTestConfig(cluster, { 'payments-api': testServiceYaml({}, { namespace: 'payments' }) }));
    const rec = recordingRun(createRunCommand());
    calls = rec.calls;
    worker = await startWorker(config, {
      ...composeActivities(config),
      ...createK8sActivities({
        run: rec.run,
        kubectlBin: config.tools.kubectl,
        helmBin: config.tools.helm,
        kubeconfig: cluster.kube.kubeconfig,
        environments: config.environments,
        chartRoot: join(__dirname, '..', '..'),
      }),
    });
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
    expect(ran()).toEqual([]); // listed through the API client: no kubectl process
  }, 120_000);

  it("GIVEN a Service of payments-api and one of another app WHEN `services payments-api dev` runs THEN only payments-api's Services are listed (a read added through the catalog alone: docs/contributing.md)", async () => {
    const service = (name: string, app: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: 'payments-dev', labels: { app } },
        spec: { selector: { app }, ports: [{ port: 8080, targetPort: 8080 }] },
      });
    await kubectlIn(service('payments-api', 'payments-api'), 'apply', '-f', '-');
    await kubectlIn(service('ledger', 'ledger'), 'apply', '-f', '-');
    const { code, text } = await run('services payments-api dev');
    expect(code).toBe(0);
    const lines = text.split('\n');
    expect(lines[0]).toBe('[dev] payments-dev: Services of payments-api (label app=payments-api)');
    expect(lines[1]).toMatch(/^NAME\s+TYPE/);
    expect(lines.slice(2).join('\n')).toMatch(/^payments-api\s+ClusterIP\s+/);
    expect(text).not.toContain('ledger');
    expect(ran()).toEqual([]);
    // Someone not in the user list may read it too (the catalog says access: anyone), in Slack as in the terminal.
    const stranger = await executeLine(
      session,
      { userId: 'mallory', displayName: 'mallory', via: 'cli', requestId: 'svc-stranger' },
      'services payments-api dev',
      { out: () => undefined, err: () => undefined },
    );
    expect(stranger).toBe(0);
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
    expect(ran()).toEqual([]);
  }, 60_000);

  /** The first pod of `app` in payments-dev. */
  const podOf = async (app: string): Promise<string> =>
    (await kubectl('get', 'pods', '-n', 'payments-dev', '-l', `app=${app}`, '-o', 'jsonpath={.items[0].metadata.name}'))
      .stdout;

  it('GIVEN a pod of the service with a known log WHEN its logs are asked for THEN its last 100 lines; a missing pod is named, another app’s refused', async () => {
    const pod = await podOf('payments-api');
    expect(pod).toMatch(/^payments-api-blue-/);
    const line = (i: number) => `POST /payments/${i} 201 31ms`;
    // kwok serves what the sandbox gives the pod (sandbox/kube/pod-logs.ts), as a kubelet would.
    await setPodLogs(cluster.kube, {
      namespace: 'payments-dev',
      pod,
      lines: Array.from({ length: 150 }, (_, i) => line(i + 1)),
    });
    ran();
    const logs = await run(`logs ${pod} payments-api dev`);
    expect(logs.code).toBe(0);
    const shown = logs.text.split('\n');
    expect(shown[0]).toBe(`[dev] payments-dev: last 100 lines of pod ${pod}`);
    expect(shown.slice(1, 101)).toEqual(Array.from({ length: 100 }, (_, i) => line(i + 51)));
    expect(ran()).toEqual([]); // read through the API client
    // A pod that is not there: named, with its namespace (the API's 404, not a retry).
    const gone = await run('logs payments-api-blue-gone payments-api dev');
    expect(gone).toEqual({
      code: 1,
      text: "ERR invalid: pod 'payments-api-blue-gone' not found in namespace payments-dev",
    });
    // A pod of another app in the namespace is refused before anything runs.
    const { code, text } = await run('logs ledger-blue-1 payments-api dev');
    expect(code).toBe(2);
    expect(text).toContain("'ledger-blue-1' is not a pod of payments-api");
    expect(ran()).toEqual([]);
  }, 90_000);

  it('GIVEN a pod of the service WHEN `describe pod/<pod>` runs THEN kubectl describe’s text in the namespace; another app’s pod is refused', async () => {
    const pod = await podOf('payments-api');
    ran();
    const { code, text } = await run(`describe pod/${pod} payments-api dev`);
    expect(code).toBe(0);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`[dev] payments-dev: describe pod/${pod} payments-api dev`);
    expect(lines[1]).toMatch(new RegExp(`^Name:\\s+${pod}$`));
    expect(text).toMatch(/^Namespace:\s+payments-dev$/m);
    expect(text).toMatch(/^\s+Image:\s+ghcr\.io\/example\/payments-api:1\.4\.2$/m);
    expect(ran()).toEqual([['kubectl', 'describe', 'pods', pod, '--namespace', 'payments-dev']]);

    const deployment = await run('describe deployment/payments-api-blue of payments-api in dev');
    expect(deployment.code).toBe(0);
    expect(deployment.text).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total/m);
    ran();

    const ledger = await podOf('ledger');
    const refused = await run(`describe pod/${ledger} payments-api dev`);
    expect(refused.code).toBe(2);
    expect(refused.text).toContain(
      `describe {object} {service} {env}: object: 'pod/${ledger}' is not one of payments-api's (their names are payments-api or payments-api-…), e.g. pod/payments-api-blue-…`,
    );
    // Not a kind describe takes; and asking to read a Secret is refused outright (the guard, before any model).
    const wrongKind = await run('describe configmap/payments-api payments-api dev');
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.text).toContain(
      "object: 'configmap/payments-api' is not an object to describe; write pod/<name>, deployment/<name> or service/<name>, e.g. pod/payments-api-blue-7d9c6b5f4-x2x7q",
    );
    const secret = await run('describe secret/payments-api payments-api dev');
    expect(secret).toEqual({
      code: 1,
      text: 'ERR refused: the request asks to read a Kubernetes Secret; Secrets are not on the list of readable kinds.',
    });
    expect(ran()).toEqual([]);
    const missing = await run('describe deployment/payments-api-purple payments-api dev');
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(
      /^ERR invalid: kubectl describe failed \(exit 1\): .*deployments\.apps "payments-api-purple" not found/,
    );
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

  it('GIVEN the green colour still rolling WHEN `rollout status` runs THEN a row per colour says so; once fixed, complete', async () => {
    ran();
    // The new colour's image tag makes kwok crash-loop its pods (sandbox/kube/stages): it never becomes ready.
    await kubectlIn(
      deployment('payments-api-green', 'payments-api', 'ghcr.io/example/payments-api:1.5.0-crash'),
      'apply',
      '-f',
      '-',
    );
    const rolling = await eventually(
      async () => {
        const r = await run('rollout status payments-api dev');
        return /payments-api-green\s+0\/2\s+2\s/.test(r.text) ? r : undefined;
      },
      60_000,
      'green updated, not available',
    );
    expect(rolling.code).toBe(0);
    expect(rolling.text.split('\n')).toEqual([
      '[dev] payments-dev: rollout of payments-api in progress: 1 of 2 Deployments rolled out; not yet: payments-api-green',
      expect.stringMatching(/^DEPLOYMENT\s+READY\s+UP-TO-DATE\s+DONE\s+MESSAGE$/),
      expect.stringMatching(
        /^payments-api-blue\s+2\/2\s+2\s+yes\s+deployment "payments-api-blue" successfully rolled out$/,
      ),
      expect.stringMatching(
        /^payments-api-green\s+0\/2\s+2\s+no\s+Waiting for deployment "payments-api-green" rollout to finish: 0 of 2 updated replicas are available\.\.\.$/,
      ),
    ]);

    // A fixed build: the new ReplicaSet's pods become ready and the crashing ones go.
    await kubectl(
      'set',
      'image',
      'deployment/payments-api-green',
      'app=ghcr.io/example/payments-api:1.5.1',
      '-n',
      'payments-dev',
    );
    const done = await eventually(
      async () => {
        const r = await run('rollout status of payments-api in dev');
        return r.text.includes('rollout of payments-api complete') ? r : undefined;
      },
      90_000,
      'green rolled out',
    );
    expect(done.text.split('\n')[0]).toBe(
      '[dev] payments-dev: rollout of payments-api complete: 2 of 2 Deployments rolled out',
    );
    expect(done.text).toMatch(
      /^payments-api-green\s+2\/2\s+2\s+yes\s+deployment "payments-api-green" successfully rolled out$/m,
    );
    expect(ran()).toEqual([]); // through the API client
  }, 180_000);

  it('GIVEN the Slack front end THEN people not in the user list may read rollout status but not describe (a pod’s env may hold secrets)', async () => {
    const deps = { config, gateway: session.gateway } as unknown as BotDeps;
    const who = (known: boolean) => ({
      requester: { ...person(known ? 'alice' : 'slack:U999'), via: 'slack' as const },
      known,
    });
    const where = { channel: 'C0KUBE' };
    const pod = await podOf('payments-api');
    ran();
    const stranger = await runCommand(deps, who(false), `describe pod/${pod} payments-api dev`, where);
    expect(stranger.text).toBe(
      ":lock: A description shows a pod's environment values, which can hold secrets, so describe is for people in infra-agent's user list; yours is not. Ask the platform team to add you (pods, events, deployments and rollout status work meanwhile).",
    );
    expect(ran()).toEqual([]);
    const status = await runCommand(deps, who(false), 'rollout status payments-api dev', where);
    expect(status.text).toMatch(/^\[dev\] payments-dev: rollout of payments-api (complete|in progress)/);
    const known = await runCommand(deps, who(true), `describe pod/${pod} payments-api dev`, where);
    expect(known.text).toBe(`[dev] payments-dev: describe pod/${pod} payments-api dev`);
    expect(JSON.stringify(known.blocks)).toContain(`Name:`);
  }, 60_000);

  it('GIVEN the sample release installed with 1 replica WHEN `helm diff sample-app dev` runs THEN the replicas field 1 → 2 of the catalog, and nothing changes', async () => {
    const before = await run('helm diff sample-app dev');
    expect(before.code).toBe(0);
    expect(before.text.split('\n')).toEqual([
      '[dev] sample-dev: sample-app is not installed; installing it would add:',
      '+ Service/sample-dev/sample-app-sample-app',
      '+ Deployment/sample-dev/sample-app-sample-app',
    ]);
    await helm(
      'install',
      'sample-app',
      join(__dirname, '..', '..', 'infra', 'helm', 'charts', 'sample-app'),
      '--namespace',
      'sample-dev',
      '--create-namespace',
      '--set',
      'replicaCount=1',
    );
    ran();
    const diff = await run('helm diff sample-app in dev');
    expect(diff.code).toBe(0);
    expect(diff.text.split('\n')).toEqual([
      "[dev] sample-dev: sample-app revision 1 → the catalog's chart and values: 1 resource(s) would change, 1 unchanged",
      '~ Deployment/sample-dev/sample-app-sample-app',
      '    spec.replicas: 1 → 2',
    ]);
    // helm reads only (the chart rendered locally): the release is still at revision 1.
    expect(ran().map((c) => c.slice(0, 3))).toEqual([
      ['helm', 'history', 'sample-app'],
      ['helm', 'get', 'manifest'],
      ['helm', 'template', 'sample-app'],
    ]);
    const history = await run('helm history sample-app dev');
    expect(history.text.split('\n').slice(2)).toEqual([
      expect.stringMatching(/^1\s+\S+\s+deployed\s+sample-app-0\.1\.0/),
    ]);
  }, 120_000);
});
