import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { K8sDeps } from '../../activities/k8s';
import { createK8sActivities } from '../../activities/k8s';
import { createRunCommand } from '../../adapters/cli/run-command';
import { helmInstallArgv, helmUpgradeArgv } from '../../adapters/k8s/helm-argv';
import type { AppConfig } from '../../core/config';
import type { HelmValues } from '../../core/k8s/request';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { ChildWorker } from '../support/child-worker';
import { startChildWorker } from '../support/child-worker';
import { replayAndMaybeRecord } from '../support/histories';
import type { RolloutTestConfig } from '../support/rollout-env';
import { rolloutTestConfig } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, workflowBundle } from '../support/sandbox';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';
import { recordingRun } from './recording-run';

const exec = promisify(execFile);
const REPO = join(__dirname, '..', '..');
const CHART = './test/fixtures/charts/hello';
const CHART_ABS = join(REPO, 'test', 'fixtures', 'charts', 'hello');
const OPTIONS = { wait: true, atomic: false, createNamespace: true, previous: false, timeoutSeconds: 300 };

/**
 * A helm write killed mid-way (the worker, and helm with it, die while `--wait` waits for pods that cannot be
 * scheduled yet) leaves a `pending-*` revision that helm never finishes. The retried write must recognise it as its
 * own, undo it and write again — against a real cluster and the real helm.
 */
describe('helm writes recover from a killed attempt', () => {
  let cluster: PrivateCluster;
  let deps: K8sDeps;
  let calls: ReturnType<typeof recordingRun>['calls'];
  const target = () => ({ kubeconfig: cluster.kube.kubeconfig, context: cluster.kube.contextName });
  const kube = (...args: string[]) =>
    exec(cluster.kube.bin.kubectl, [
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--context',
      cluster.kube.contextName,
      ...args,
    ]);
  const helmHistory = async (ns: string, release: string): Promise<string[]> => {
    const { stdout } = await exec(cluster.helm, [
      'history',
      release,
      '--namespace',
      ns,
      '--output',
      'json',
      '--kubeconfig',
      cluster.kube.kubeconfig,
      '--kube-context',
      cluster.kube.contextName,
    ]);
    return (JSON.parse(stdout) as { revision: number; status: string; description: string }[]).map(
      (h) => `${h.revision} ${h.status} ${h.description}`,
    );
  };
  /** Labels every node, so pods with this nodeSelector can be scheduled from now on. */
  const labelNodes = async (label: string): Promise<void> => {
    const { stdout } = await kube('get', 'nodes', '-o', 'name');
    for (const node of stdout.split('\n').filter(Boolean)) await kube('label', '--overwrite', node, label);
  };

  /** Runs helm with the product's own argv (values file, label, description) and kills it once it is pending. */
  const killedWrite = async (
    op: 'install' | 'upgrade',
    ns: string,
    release: string,
    values: HelmValues,
    key: string,
  ) => {
    const dir = mkdtempSync(join(cluster.dir, 'values-'));
    const valuesFile = join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(values));
    const c = { chart: CHART_ABS, valuesFile };
    const argv =
      op === 'install'
        ? helmInstallArgv(target(), ns, release, c, OPTIONS, key)
        : helmUpgradeArgv(target(), ns, release, c, OPTIONS, key);
    const helm = spawn(cluster.helm, argv, { stdio: 'ignore' });
    const exited = new Promise((resolve) => helm.on('exit', resolve));
    await eventually(
      async () =>
        (await helmHistory(ns, release).catch(() => [])).at(-1)?.includes(`pending-${op}`) ? true : undefined,
      60_000,
      `pending-${op}`,
    );
    helm.kill('SIGKILL');
    await exited;
  };

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    const rec = recordingRun(createRunCommand());
    calls = rec.calls;
    deps = {
      run: rec.run,
      kubectlBin: cluster.kube.bin.kubectl,
      helmBin: cluster.helm,
      kubeconfig: cluster.kube.kubeconfig,
      environments: { dev: { cluster: { kubeContext: cluster.kube.contextName } } },
      chartRoot: REPO,
    };
  }, 600_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  describe('the write activity, retried after its helm was killed', () => {
    const flags = ['--create-namespace', '--wait', '--timeout', '120s'];
    // --create-namespace applies to installs only; the agent refuses it on an upgrade, as the gateway never sends it.
    const upgradeFlags = ['--wait', '--timeout', '120s'];
    const acts = () => createK8sActivities(deps);

    it('GIVEN a first install left pending-install by a killed attempt WHEN retried with its key THEN that revision is uninstalled and the install done again', async () => {
      const values = { nodeSelector: { 'pool-a': 'yes' } };
      await killedWrite('install', 'ra', 'web', values, 'key-install');
      expect(await helmHistory('ra', 'web')).toEqual(['1 pending-install Initial install underway']);
      await labelNodes('pool-a=yes');
      calls.splice(0);
      const r = await acts().helmWrite({
        environment: 'dev',
        request: { kind: 'helm-install', namespace: 'ra', release: 'web', chart: CHART, values, flags },
        idempotencyKey: 'key-install',
      });
      expect(r).toMatchObject({ revision: 1, status: 'deployed', alreadyApplied: false });
      expect(calls.map((c) => c.args[0])).toEqual(['history', 'list', 'uninstall', 'install']);
      expect(await helmHistory('ra', 'web')).toEqual(['1 deployed infra-agent key-install']);
    }, 240_000);

    it('GIVEN an upgrade left pending-upgrade by a killed attempt WHEN retried with its key THEN it is rolled back and the upgrade done again; a further retry changes nothing', async () => {
      const values = { replicaCount: 3, nodeSelector: { 'pool-b': 'yes' } };
      await killedWrite('upgrade', 'ra', 'web', values, 'key-upgrade');
      await labelNodes('pool-b=yes');
      const input = {
        environment: 'dev',
        request: {
          kind: 'helm-upgrade' as const,
          namespace: 'ra',
          release: 'web',
          chart: CHART,
          values,
          flags: upgradeFlags,
        },
        idempotencyKey: 'key-upgrade',
        expectedRevision: 1,
      };
      const r = await acts().helmWrite(input);
      expect(r).toMatchObject({ revision: 4, status: 'deployed', alreadyApplied: false });
      expect(await helmHistory('ra', 'web')).toEqual([
        '1 superseded infra-agent key-install',
        // helm leaves the killed attempt's revision as it was; the rollback over it and the redo follow.
        '2 pending-upgrade Preparing upgrade',
        '3 superseded Rollback to 1',
        '4 deployed infra-agent key-upgrade',
      ]);
      expect(await acts().helmWrite(input)).toEqual({ ...r, alreadyApplied: true });
    }, 240_000);

    it('GIVEN someone else left a pending upgrade (not our label) WHEN our approved upgrade runs THEN it is refused and their revision is left alone', async () => {
      await killedWrite('upgrade', 'ra', 'web', { nodeSelector: { 'pool-z': 'never' } }, 'someone-else');
      await expect(
        acts().helmWrite({
          environment: 'dev',
          request: { kind: 'helm-upgrade', namespace: 'ra', release: 'web', chart: CHART, flags: upgradeFlags },
          idempotencyKey: 'key-later',
          expectedRevision: 4,
        }),
      ).rejects.toMatchObject({
        name: 'OperationConflict',
        message: expect.stringContaining('is at revision 5, not 4 as approved'),
      });
      expect((await helmHistory('ra', 'web')).at(-1)).toBe('5 pending-upgrade Preparing upgrade');
    }, 240_000);
  });

  describe('a worker killed -9 while helm writes', () => {
    let tc: RolloutTestConfig;
    let base: AppConfig;
    let client: Client;
    let session: GatewaySession | undefined;
    let child: ChildWorker | undefined;
    let worker: RunningWorker | undefined;

    beforeAll(async () => {
      tc = rolloutTestConfig(cluster, {});
      base = tc.config;
      client = await testClient(base);
      await workflowBundle(); // built now, so the replacement worker starts in seconds
    }, 120_000);
    afterAll(async () => {
      await session?.close();
      await worker?.stop();
      if (child?.process.exitCode === null && child.process.signalCode === null) await child.kill9();
      await client?.connection.close();
    }, 60_000);

    /** Kills the worker and the helm it runs, as a dead container or node takes all its processes. */
    const killWorkerAndItsHelm = async (w: ChildWorker): Promise<void> => {
      const { stdout } = await exec('ps', ['-o', 'pid=', '--ppid', String(w.process.pid)]);
      const children = stdout.split('\n').map(Number).filter(Boolean);
      for (const pid of children) process.kill(pid, 'SIGKILL');
      await w.kill9();
    };

    it('GIVEN an approved install WHEN the worker is killed mid-write THEN a new worker finishes it within a minute and the release is deployed', async () => {
      session = await openGateway({
        ...base,
        releases: {
          slow: { name: 'slow', chart: CHART, namespace: 'slow', values: { nodeSelector: { 'pool-c': 'yes' } } },
        },
      });
      const gw = session.gateway;
      child = await startChildWorker(base.temporal.taskQueue, tc.env);
      const op = (await gw.startHelmRelease('helm-install', 'slow', 'dev', person('alice'))).operationId;
      const pending: OperationState = await eventually(
        async () => {
          const s = await gw.state(op);
          return s.phase === 'awaiting-approval' || s.outcome ? s : undefined;
        },
        120_000,
        'approval wait',
      );
      await gw.approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
      // helm waits for pods no node can take yet: the release is pending-install while the worker is killed.
      await eventually(
        async () =>
          (await helmHistory('slow-dev', 'slow').catch(() => [])).at(-1)?.includes('pending-install') ? 1 : undefined,
        60_000,
        'pending-install',
      );
      await killWorkerAndItsHelm(child);
      const killedAt = Date.now();
      await labelNodes('pool-c=yes');
      worker = await startWorker(base);

      const done = await gw.result(op);
      const recoveredInMs = Date.now() - killedAt;
      expect(done).toMatchObject({ outcome: 'succeeded', message: 'slow is at revision 1 (deployed) in slow-dev' });
      expect(recoveredInMs).toBeLessThan(60_000);
      process.stdout.write(`helm install recovered ${recoveredInMs} ms after the worker was killed\n`);
      expect(await helmHistory('slow-dev', 'slow')).toEqual([expect.stringMatching(/^1 deployed infra-agent ia-/)]);
      // The write ran twice (the killed attempt and its retry) and the history replays.
      const history = await client.workflow.getHandle(op).fetchHistory();
      const attempts = (history.events ?? [])
        .filter((e) => e.activityTaskStartedEventAttributes)
        .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
      expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
      await replayAndMaybeRecord(client, op, 'helm-install-worker-killed');
    }, 300_000);
  });
});
