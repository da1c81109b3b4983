import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { K8sDeps } from '../../activities/k8s';
import { createK8sActivities } from '../../activities/k8s';
import { createRunCommand } from '../../adapters/cli/run-command';
import { recordingRun } from './recording-run';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const REPO = join(__dirname, '..', '..');
const CHART = './test/fixtures/charts/hello';
const CHART_ABS = join(REPO, 'test', 'fixtures', 'charts', 'hello');

describe('Kubernetes agent against a private real cluster', () => {
  let cluster: PrivateCluster;
  let deps: K8sDeps;
  let calls: ReturnType<typeof recordingRun>['calls'];
  let kc: string;
  const base = (): string[] => ['--kubeconfig', kc, '--context', 'sandbox'];
  const helmBase = (): string[] => ['--kubeconfig', kc, '--kube-context', 'sandbox'];
  const acts = () => createK8sActivities(deps);
  const lastArgs = (): readonly string[] => calls.at(-1)?.args ?? [];

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    kc = cluster.kube.kubeconfig;
    const rec = recordingRun(createRunCommand());
    calls = rec.calls;
    deps = {
      run: rec.run,
      kubectlBin: cluster.kube.bin.kubectl,
      helmBin: cluster.helm,
      kubeconfig: kc,
      environments: { dev: { cluster: { kubeContext: 'sandbox' } }, stg: {} },
      chartRoot: REPO,
    };
    // A Deployment to read, applied with kubectl directly: the agent has no generic apply on purpose.
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.local/web:1' }] },
        },
      },
    });
    const applied = await createRunCommand()({
      file: cluster.kube.bin.kubectl,
      args: [...base(), 'apply', '-f', '-'],
      stdin: manifest,
    });
    expect(applied.exitCode).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  beforeEach(() => calls.splice(0));

  it('GIVEN a 2-replica Deployment WHEN rollout status is read, then waited for THEN it is done, with the exact argv', async () => {
    // Without a timeout the read answers at once (--watch=false), finished or not.
    const now = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'rollout-status', namespace: 'default', resource: 'deployment', name: 'web' },
    });
    expect(now).toMatchObject({ kind: 'rollout-status', done: expect.any(Boolean) as boolean });
    expect(lastArgs()).toEqual([
      ...base(),
      'rollout',
      'status',
      'deployment/web',
      '--namespace',
      'default',
      '--watch=false',
    ]);
    calls.splice(0);
    const r = await acts().k8sRead({
      environment: 'dev',
      request: {
        kind: 'rollout-status',
        namespace: 'default',
        resource: 'deployment',
        name: 'web',
        timeoutSeconds: 30,
      },
    });
    expect(r).toEqual({ kind: 'rollout-status', done: true, message: 'deployment "web" successfully rolled out' });
    expect(lastArgs()).toEqual([
      ...base(),
      'rollout',
      'status',
      'deployment/web',
      '--namespace',
      'default',
      '--timeout',
      '30s',
    ]);
  }, 120_000);

  it('GIVEN the Deployment WHEN pods are listed THEN a table of 2 Running, Ready pods', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'pods', selector: 'app=web' },
    });
    expect(lastArgs()).toEqual([
      ...base(),
      'get',
      'pods',
      '--namespace',
      'default',
      '--selector',
      'app=web',
      '--output',
      'json',
    ]);
    if (r.kind !== 'get') throw new Error(r.kind);
    expect(r.table.columns).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE', 'AGE']);
    expect(r.table.rows).toHaveLength(2);
    for (const row of r.table.rows) {
      expect(row[0]).toMatch(/^web-/);
      expect(row.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(row[4]).toMatch(/^kwok-node-/);
    }
  });

  it('GIVEN the Deployment WHEN its events are read THEN the scaling event is a row', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'events', namespace: 'default', forObject: { resource: 'deployments', name: 'web' } },
    });
    expect(lastArgs()).toEqual([
      ...base(),
      'events',
      '--namespace',
      'default',
      '--for',
      'deployments/web',
      '--output',
      'json',
    ]);
    if (r.kind !== 'events') throw new Error(r.kind);
    expect(r.table.rows.some((row) => row[2] === 'ScalingReplicaSet' && row[3] === 'deployment/web')).toBe(true);
  });

  it('GIVEN the Deployment WHEN described THEN the text names its replicas', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'describe', namespace: 'default', resource: 'deployments', name: 'web' },
    });
    expect(lastArgs()).toEqual([...base(), 'describe', 'deployments', 'web', '--namespace', 'default']);
    if (r.kind !== 'describe') throw new Error(r.kind);
    expect(r.text).toMatch(/Replicas:\s+2 desired/);
    expect(r.truncated).toBe(false);
  });

  it('GIVEN a pod WHEN its logs are read THEN the argv carries the tail cap (kwok pods have no logs: the failure is reported)', async () => {
    const pods = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'pods', selector: 'app=web' },
    });
    const pod = pods.kind === 'get' ? (pods.table.rows[0]?.[0] ?? '') : '';
    const read = acts().k8sRead({
      environment: 'dev',
      request: { kind: 'logs', namespace: 'default', pod, tailLines: 20, flags: ['--previous'] },
    });
    await read.then(
      (r) => expect(r).toMatchObject({ kind: 'logs', pod, tailLines: 20 }),
      (e: Error) => expect(e.message).toMatch(/^kubectl logs failed/),
    );
    expect(lastArgs()).toEqual([...base(), 'logs', pod, '--namespace', 'default', '--tail', '20', '--previous']);
  });

  it('GIVEN a refused flag or an environment without a cluster WHEN read THEN refused before anything runs', async () => {
    await expect(
      acts().k8sRead({
        environment: 'dev',
        request: { kind: 'get', namespace: 'default', resource: 'pods', flags: ['--server', 'https://x'] },
      }),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining("'--server' is not allowed") });
    await expect(
      acts().k8sRead({ environment: 'stg', request: { kind: 'get', namespace: 'default', resource: 'pods' } }),
    ).rejects.toThrow("environment: 'stg' has no cluster; add environments.stg.cluster.kubeContext");
    expect(calls).toHaveLength(0);
  });

  it('GIVEN a kubeconfig whose user runs an exec plugin WHEN read THEN refused and nothing runs', async () => {
    const config = parse(readFileSync(kc, 'utf8')) as { users: { user: Record<string, unknown> }[] };
    for (const u of config.users)
      u.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh' } };
    const evil = join(cluster.dir, 'exec-kubeconfig');
    writeFileSync(evil, stringify(config));
    const a = createK8sActivities({ ...deps, kubeconfig: evil });
    await expect(
      a.k8sRead({ environment: 'dev', request: { kind: 'get', namespace: 'default', resource: 'pods' } }),
    ).rejects.toMatchObject({
      name: 'PermissionDenied',
      message: expect.stringContaining("uses 'exec', which runs a program"),
    });
    expect(calls).toHaveLength(0);
  });

  describe('helm', () => {
    const release = { namespace: 'hello', release: 'hello', chart: CHART };

    it('GIVEN the hello chart WHEN installed THEN revision 1 is deployed, with the exact argv', async () => {
      const r = await acts().helmWrite({
        environment: 'dev',
        request: { kind: 'helm-install', ...release, flags: ['--create-namespace', '--wait', '--timeout', '120s'] },
        idempotencyKey: 'install-1',
      });
      expect(r).toEqual({
        kind: 'helm-install',
        release: 'hello',
        namespace: 'hello',
        revision: 1,
        status: 'deployed',
        alreadyApplied: false,
      });
      expect(calls.map((c) => c.args)).toEqual([
        ['history', 'hello', '--namespace', 'hello', '--max', '20', '--output', 'json', ...helmBase()],
        [
          'install',
          'hello',
          CHART_ABS,
          '--namespace',
          'hello',
          '--create-namespace',
          '--wait',
          '--timeout',
          '120s',
          '--description',
          'infra-agent install-1',
          '--output',
          'json',
          ...helmBase(),
        ],
      ]);
    }, 200_000);

    it('GIVEN replicaCount 3 WHEN diffed THEN the Deployment replicas change 2 → 3 and the Service is unchanged', async () => {
      const r = await acts().helmRead({
        environment: 'dev',
        request: { kind: 'helm-diff', ...release, values: { replicaCount: 3 } },
      });
      expect(r).toEqual({
        kind: 'helm-diff',
        release: 'hello',
        revision: 1,
        changes: [
          {
            resource: 'Deployment/hello/hello-hello',
            change: 'changed',
            fields: [{ path: 'spec.replicas', before: '2', after: '3' }],
          },
        ],
        unchanged: 1,
      });
      const template = calls.find((c) => c.args[0] === 'template')?.args ?? [];
      expect(template).toEqual([
        'template',
        'hello',
        CHART_ABS,
        '--values',
        expect.stringMatching(/values\.json$/),
        '--namespace',
        'hello',
        ...helmBase(),
      ]);
      expect(calls.map((c) => c.args.slice(0, 2))).toEqual([
        ['history', 'hello'],
        ['get', 'manifest'],
        ['template', 'hello'],
      ]);
    });

    it('GIVEN an upgrade WHEN retried with the same key THEN there is one new revision only', async () => {
      const input = {
        environment: 'dev',
        request: { kind: 'helm-upgrade' as const, ...release, values: { replicaCount: 3 }, flags: ['--wait'] },
        idempotencyKey: 'upgrade-1',
        expectedRevision: 1,
      };
      const first = await acts().helmWrite(input);
      expect(first).toMatchObject({ revision: 2, status: 'deployed', alreadyApplied: false });
      expect(calls.at(-1)?.args).toEqual([
        'upgrade',
        'hello',
        CHART_ABS,
        '--values',
        expect.stringMatching(/values\.json$/),
        '--namespace',
        'hello',
        '--wait',
        '--description',
        'infra-agent upgrade-1',
        '--output',
        'json',
        ...helmBase(),
      ]);
      calls.splice(0);
      const retry = await acts().helmWrite(input);
      expect(retry).toEqual({ ...first, alreadyApplied: true });
      expect(calls.map((c) => c.args[0])).toEqual(['history']); // the retry looked and did nothing
      const history = await acts().helmRead({
        environment: 'dev',
        request: { kind: 'helm-history', namespace: 'hello', release: 'hello' },
      });
      if (history.kind !== 'helm-history') throw new Error(history.kind);
      expect(history.table.rows.map((r) => [r[0], r[2], r[4]])).toEqual([
        ['2', 'deployed', 'infra-agent upgrade-1'],
        ['1', 'superseded', 'infra-agent install-1'],
      ]);
    }, 200_000);

    it('GIVEN a stale approval WHEN an upgrade runs THEN it is refused as a conflict', async () => {
      await expect(
        acts().helmWrite({
          environment: 'dev',
          request: { kind: 'helm-upgrade', ...release },
          idempotencyKey: 'stale',
          expectedRevision: 1,
        }),
      ).rejects.toMatchObject({
        name: 'OperationConflict',
        message: expect.stringContaining('is at revision 2, not 1 as approved'),
      });
    });

    it('GIVEN revision 2 WHEN rolled back to 1 and retried THEN revision 3 exists once and 2 replicas are back', async () => {
      const input = {
        environment: 'dev',
        request: {
          kind: 'helm-rollback' as const,
          namespace: 'hello',
          release: 'hello',
          revision: 1,
          flags: ['--wait'],
        },
        expectedRevision: 2,
      };
      const r = await acts().helmWrite(input);
      expect(r).toEqual({
        kind: 'helm-rollback',
        release: 'hello',
        namespace: 'hello',
        revision: 3,
        status: 'deployed',
        alreadyApplied: false,
      });
      expect(calls.map((c) => c.args)).toContainEqual([
        'rollback',
        'hello',
        '1',
        '--namespace',
        'hello',
        '--wait',
        ...helmBase(),
      ]);
      expect(await acts().helmWrite(input)).toEqual({ ...r, alreadyApplied: true });
      const d = await acts().k8sRead({
        environment: 'dev',
        request: { kind: 'get', namespace: 'hello', resource: 'deployments', name: 'hello-hello' },
      });
      if (d.kind !== 'get') throw new Error(d.kind);
      expect(d.table.rows[0]?.slice(0, 2)).toEqual(['hello-hello', '2/2']);
      const history = await acts().helmRead({
        environment: 'dev',
        request: { kind: 'helm-history', namespace: 'hello', release: 'hello' },
      });
      if (history.kind !== 'helm-history') throw new Error(history.kind);
      expect(history.table.rows.map((row) => row[0])).toEqual(['3', '2', '1']);
      expect(history.table.rows[0]?.[4]).toBe('Rollback to 1');
    }, 200_000);

    it('GIVEN a refused helm flag WHEN written THEN nothing runs', async () => {
      await expect(
        acts().helmWrite({
          environment: 'dev',
          request: { kind: 'helm-upgrade', ...release, flags: ['--post-renderer', '/bin/sh'] },
          idempotencyKey: 'x',
        }),
      ).rejects.toThrow("'--post-renderer' is not allowed");
      expect(calls).toHaveLength(0);
    });
  });
});
