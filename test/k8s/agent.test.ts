import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { K8sDeps } from '../../activities/k8s';
import { createK8sActivities } from '../../activities/k8s';
import { createRunCommand } from '../../adapters/cli/run-command';
import { apiRead } from '../../adapters/k8s/api-read';
import { setPodLogs } from '../../sandbox/kube/pod-logs';
import { eventually } from '../support/sandbox';
import { recordingRun } from './recording-run';
import type { PrivateCluster } from './private-cluster';
import { startPrivateCluster } from './private-cluster';

const REPO = join(__dirname, '..', '..');
const CHART = './test/fixtures/charts/hello';
const CHART_ABS = join(REPO, 'test', 'fixtures', 'charts', 'hello');

/** The parts of a kubeconfig the failure cases rewrite. */
interface KubeconfigDoc {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
}

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
    // Deployments to read, applied with kubectl directly: the agent has no generic apply on purpose. `web` rolls out;
    // `stuck`'s image tag makes kwok crash-loop its pods (sandbox/kube/stages), so its rollout never finishes.
    await apply(deployment('web', 'registry.local/web:1'));
    await apply(deployment('stuck', 'registry.local/web:2-crash'));
  }, 600_000);

  /** A 2-replica Deployment labelled tier=demo whose pods are labelled app=<name>. */
  const deployment = (name: string, image: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default', labels: { tier: 'demo' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'web', image }] },
        },
      },
    });
  const apply = async (manifest: string): Promise<void> => {
    const applied = await createRunCommand()({
      file: cluster.kube.bin.kubectl,
      args: [...base(), 'apply', '-f', '-'],
      stdin: manifest,
    });
    expect(applied.exitCode).toBe(0);
  };
  /** A copy of the kubeconfig with `edit` applied to every user (and cluster), for refusal and failure cases. */
  const kubeconfigWith = (file: string, edit: (c: KubeconfigDoc) => void): string => {
    const config = parse(readFileSync(kc, 'utf8')) as KubeconfigDoc;
    edit(config);
    const path = join(cluster.dir, file);
    writeFileSync(path, stringify(config));
    return path;
  };

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  beforeEach(() => calls.splice(0));

  it('GIVEN a 2-replica Deployment WHEN its rollout status is waited for THEN done, worded as kubectl does, and no kubectl ran', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: {
        kind: 'rollout-status',
        namespace: 'default',
        resource: 'deployment',
        name: 'web',
        timeoutSeconds: 60,
      },
    });
    expect(r).toEqual({ kind: 'rollout-status', done: true, message: 'deployment "web" successfully rolled out' });
    expect(calls).toHaveLength(0); // through the API client, not a kubectl process
  }, 120_000);

  it('GIVEN a Deployment whose pods never become ready WHEN waited for 3 s THEN not done, saying what it waits for', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: {
        kind: 'rollout-status',
        namespace: 'default',
        resource: 'deployment',
        name: 'stuck',
        timeoutSeconds: 3,
      },
    });
    expect(r).toEqual({
      kind: 'rollout-status',
      done: false,
      message: expect.stringMatching(
        /^Waiting for deployment "stuck" rollout to finish: (0 out of 2 new replicas have been updated|0 of 2 updated replicas are available)\.\.\. \(not done after 3s\)$/,
      ) as string,
    });
    expect(calls).toHaveLength(0);
  }, 60_000);

  it('GIVEN a selector over both Deployments WHEN rollout status is read THEN a row per Deployment, done only for web', async () => {
    const r = await eventually(
      async () => {
        const x = await acts().k8sRead({
          environment: 'dev',
          request: { kind: 'rollout-status', namespace: 'default', resource: 'deployment', selector: 'tier=demo' },
        });
        return x.kind === 'rollout-status' && x.table?.rows[0]?.[2] === '2' ? x : undefined;
      },
      60_000,
      'stuck has 2 updated replicas',
    );
    expect(r).toEqual({
      kind: 'rollout-status',
      done: false,
      message: '1 of 2 Deployments rolled out; not yet: stuck',
      table: {
        columns: ['DEPLOYMENT', 'READY', 'UP-TO-DATE', 'DONE', 'MESSAGE'],
        rows: [
          [
            'stuck',
            '0/2',
            '2',
            'no',
            'Waiting for deployment "stuck" rollout to finish: 0 of 2 updated replicas are available...',
          ],
          ['web', '2/2', '2', 'yes', 'deployment "web" successfully rolled out'],
        ],
        omittedRows: 0,
      },
    });
    const none = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'rollout-status', namespace: 'default', resource: 'deployment', selector: 'tier=none' },
    });
    expect(none).toMatchObject({ done: false, message: 'no Deployment in default matches tier=none' });
    expect(calls).toHaveLength(0);
  }, 90_000);

  it('GIVEN a rollout-status wait WHEN its signal aborts THEN the read stops at once instead of waiting out its timeout', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled by the test')), 500);
    const read = apiRead(
      { kubeconfig: kc, context: 'sandbox' },
      { kind: 'rollout-status', namespace: 'default', resource: 'deployment', name: 'stuck', timeoutSeconds: 90 },
      { wait: false, atomic: false, createNamespace: false, previous: false },
      { signal: abort.signal },
    );
    // Without the abort this resolves (not done) after 90 s, past the test's timeout.
    await expect(read).rejects.toThrow('cancelled by the test');
  }, 30_000);

  it('GIVEN the Deployment WHEN pods are listed THEN a table of 2 Running, Ready pods', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'pods', selector: 'app=web' },
    });
    expect(calls).toHaveLength(0);
    if (r.kind !== 'get') throw new Error(r.kind);
    expect(r.table.columns).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'NODE', 'AGE']);
    expect(r.table.rows).toHaveLength(2);
    for (const row of r.table.rows) {
      expect(row[0]).toMatch(/^web-/);
      expect(row.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(row[4]).toMatch(/^kwok-node-/);
      expect(row[5]).toMatch(/^\d+[sm]$/); // the age, from the creationTimestamp the client parsed into a Date
    }
    // One named object, and a cluster-scoped kind.
    const one = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'deployments', name: 'web' },
    });
    expect(one.kind === 'get' && one.table.rows).toEqual([
      ['web', '2/2', '2', '2', expect.stringMatching(/^\d+[sm]$/), 'registry.local/web:1'],
    ]);
    const nodes = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'nodes' },
    });
    expect(nodes.kind === 'get' && nodes.table.rows.map((x) => x.slice(0, 2))).toEqual([
      ['kwok-node-0', 'Ready'],
      ['kwok-node-1', 'Ready'],
    ]);
    expect(calls).toHaveLength(0);
  });

  it('GIVEN objects that do not exist WHEN read THEN InvalidInput naming the object and namespace', async () => {
    const read = (request: Parameters<ReturnType<typeof acts>['k8sRead']>[0]['request']) =>
      acts().k8sRead({ environment: 'dev', request });
    await expect(read({ kind: 'get', namespace: 'default', resource: 'pods', name: 'nope' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: "pod 'nope' not found in namespace default",
    });
    await expect(
      read({ kind: 'rollout-status', namespace: 'default', resource: 'deployment', name: 'nope' }),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: "deployment 'nope' not found in namespace default" });
    await expect(read({ kind: 'logs', namespace: 'default', pod: 'nope' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: "pod 'nope' not found in namespace default",
    });
    await expect(
      read({ kind: 'get', namespace: 'default', resource: 'virtualservices', name: 'nope' }),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: "virtualservice 'nope' not found in namespace default" });
    expect(calls).toHaveLength(0);
  });

  it('GIVEN a token the API server rejects, or a server that is down THEN PermissionDenied / TransientFailure, without the token', async () => {
    const token = 'not-a-valid-token-3f9a0c1e';
    const wrongToken = kubeconfigWith('wrong-token-kubeconfig', (c) => {
      for (const u of c.users) u.user = { token };
    });
    const refused = createK8sActivities({ ...deps, kubeconfig: wrongToken }).k8sRead({
      environment: 'dev',
      request: { kind: 'get', namespace: 'default', resource: 'pods' },
    });
    const e = await refused.then(
      () => new Error('the read was not refused'),
      (x: unknown) => x as Error,
    );
    expect(e).toMatchObject({
      name: 'PermissionDenied',
      message: expect.stringContaining('list pods in namespace default: Unauthorized') as string,
    });
    expect(e.message).not.toContain(token);
    const down = kubeconfigWith('down-kubeconfig', (c) => {
      for (const cl of c.clusters) cl.cluster.server = 'https://127.0.0.1:1';
    });
    await expect(
      createK8sActivities({ ...deps, kubeconfig: down }).k8sRead({
        environment: 'dev',
        request: { kind: 'get', namespace: 'default', resource: 'pods' },
      }),
    ).rejects.toMatchObject({
      name: 'TransientFailure',
      message: expect.stringContaining('list pods in namespace default: the API server could not be reached'),
    });
    expect(calls).toHaveLength(0);
  });

  it('GIVEN the Deployment WHEN its events are read THEN the scaling event is a row', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'events', namespace: 'default', forObject: { resource: 'deployments', name: 'web' } },
    });
    expect(calls).toHaveLength(0);
    if (r.kind !== 'events') throw new Error(r.kind);
    expect(r.table.rows).toEqual([
      [
        expect.stringMatching(/^\d+[sm]$/),
        'Normal',
        'ScalingReplicaSet',
        'deployment/web',
        expect.stringMatching(/^Scaled up replica set web-[a-z0-9]+ from 0 to 2$/),
      ],
    ]); // only web's: stuck's own scaling event is left out by the field selector
  });

  it('GIVEN the Deployment WHEN described THEN the text names its replicas', async () => {
    const r = await acts().k8sRead({
      environment: 'dev',
      request: { kind: 'describe', namespace: 'default', resource: 'deployments', name: 'web' },
    });
    // describe stays on kubectl: its text form is what people expect.
    expect(lastArgs()).toEqual([...base(), 'describe', 'deployments', 'web', '--namespace', 'default']);
    if (r.kind !== 'describe') throw new Error(r.kind);
    expect(r.text).toMatch(/Replicas:\s+2 desired/);
    expect(r.truncated).toBe(false);
  });

  it('GIVEN a pod with a known log WHEN its last lines, its previous container and a long log are read THEN the text as logged, cut for chat, and no kubectl ran', async () => {
    const pod = await eventually(
      async () => {
        const pods = await acts().k8sRead({
          environment: 'dev',
          request: { kind: 'get', namespace: 'default', resource: 'pods', selector: 'app=web' },
        });
        return pods.kind === 'get' ? pods.table.rows[0]?.[0] : undefined;
      },
      60_000,
      'a pod of web',
    );
    const line = (i: number) => `GET /orders/${i} 200 12ms`;
    // kwok serves what the sandbox gives the pod (sandbox/kube/pod-logs.ts), as a kubelet would. Right after the
    // control plane starts, the Logs CRD may still answer 429 (storage initialising): try again then.
    const podLogs = (spec: { lines: string[]; previousLines?: string[] }) =>
      eventually(
        () => setPodLogs(cluster.kube, { namespace: 'default', pod, ...spec }).then(() => true),
        30_000,
        'pod logs set',
      );
    await podLogs({
      lines: Array.from({ length: 30 }, (_, i) => line(i + 1)),
      previousLines: ['panic: out of memory'],
    });
    calls.splice(0);
    const logs = (tailLines: number, flags: string[] = []) =>
      acts().k8sRead({ environment: 'dev', request: { kind: 'logs', namespace: 'default', pod, tailLines, flags } });
    const last20 = Array.from({ length: 20 }, (_, i) => `${line(i + 11)}\n`).join('');
    expect(await logs(20)).toEqual({
      kind: 'logs',
      pod,
      tailLines: 20,
      text: last20,
      truncated: false,
      totalChars: last20.length,
      totalLines: 20,
    });
    expect(await logs(20, ['--previous'])).toMatchObject({ text: 'panic: out of memory\n', truncated: false });

    // 500 lines are more than chat shows: the newest are kept, cut at a line, with the full size.
    await podLogs({ lines: Array.from({ length: 600 }, (_, i) => line(i + 1)) });
    const long = await logs(500);
    if (long.kind !== 'logs') throw new Error(long.kind);
    expect(long).toMatchObject({ truncated: true, totalLines: 500 });
    expect(long.text.length).toBeLessThanOrEqual(3000);
    expect(long.text.endsWith(`${line(600)}\n`)).toBe(true);
    expect(long.text.split('\n')[0]).toMatch(/^GET \/orders\/\d+ 200 12ms$/); // a whole line, not a cut one
    expect(calls).toHaveLength(0);
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
    const evil = kubeconfigWith('exec-kubeconfig', (c) => {
      for (const u of c.users) u.user = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh' } };
    });
    const a = createK8sActivities({ ...deps, kubeconfig: evil });
    await expect(
      a.k8sRead({ environment: 'dev', request: { kind: 'get', namespace: 'default', resource: 'pods' } }),
    ).rejects.toMatchObject({
      name: 'PermissionDenied',
      message: expect.stringContaining("uses 'exec', which runs a program"),
    });
    // The API adapter checks the content it loads itself too (a file swapped after the activity's check).
    await expect(
      apiRead(
        { kubeconfig: evil, context: 'sandbox' },
        { kind: 'get', namespace: 'default', resource: 'pods' },
        { wait: false, atomic: false, createNamespace: false, previous: false },
      ),
    ).rejects.toMatchObject({ name: 'PermissionDenied', message: expect.stringContaining("uses 'exec'") });
    // Another context in the same file is not reachable through a request: the environment's is the only one.
    await expect(
      createK8sActivities({ ...deps, environments: { dev: { cluster: { kubeContext: 'elsewhere' } } } }).k8sRead({
        environment: 'dev',
        request: { kind: 'get', namespace: 'default', resource: 'pods', flags: ['--context', 'sandbox'] },
      }),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining("'--context' is not allowed") });
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
          '--labels',
          'infra-agent.io/write=install-1',
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
        '--labels',
        'infra-agent.io/write=upgrade-1',
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
