import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { RunCommandResult } from '../../adapters/cli/run-command';
import { apiserverUrl, kubePaths } from '../../sandbox/kube/paths';
import { appendPodLogs, clearPodLogs, setPodLogs } from '../../sandbox/kube/pod-logs';
import { waitFor } from '../../sandbox/kube/rest';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';

/**
 * Pod logs of kwok pods: kwok's server is each simulated node's kubelet endpoint (HTTPS, the sandbox CA), the
 * default ClusterLogs in kwok's --config gives every pod a sample application log, and setPodLogs gives one pod
 * (or one container) its own through a `Logs` object.
 */

const NS = 'logs-demo';
const lines = (n: number, prefix: string): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix} ${String(i + 1).padStart(3, '0')}`);
const text = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('');

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

describe('kwok pod logs (kubectl logs, pods/<pod>/log)', () => {
  let cluster: PrivateCluster;
  const run = createRunCommand();
  const kubectl = (...args: string[]): Promise<RunCommandResult> =>
    run({
      file: cluster.kube.bin.kubectl,
      args: ['--kubeconfig', cluster.kube.kubeconfig, '--context', 'sandbox', ...args],
      timeoutMs: 30_000,
    });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** GET over HTTPS with the admin client certificate (or the static admin token), as a client library does. */
  const apiGet = (path: string, auth: 'cert' | 'token'): Promise<HttpAnswer> => {
    const p = kubePaths(cluster.kube);
    const token = readFileSync(p.tokenFile, 'utf8').split(',')[0];
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, apiserverUrl(cluster.kube)),
        {
          method: 'GET',
          ca: readFileSync(p.caCert),
          ...(auth === 'cert'
            ? { cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey) }
            : { headers: { authorization: `Bearer ${token}` } }),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  };

  const runningPod = async (name: string, containers: readonly string[]): Promise<void> => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: name } },
      spec: {
        nodeSelector: { type: 'kwok' },
        containers: containers.map((c) => ({ name: c, image: `ghcr.io/example/${c}:1.0.0` })),
      },
    };
    // The namespace's default ServiceAccount appears a moment after the namespace: retry until admitted.
    await waitFor(
      `pod ${name} created`,
      async () =>
        (
          await run({
            file: cluster.kube.bin.kubectl,
            args: ['--kubeconfig', cluster.kube.kubeconfig, 'apply', '-f', '-'],
            stdin: JSON.stringify(pod),
          })
        ).exitCode === 0,
      30_000,
    );
    await waitFor(
      `pod ${name} Running`,
      async () => (await ok('get', 'pod', name, '-n', NS, '-o', 'jsonpath={.status.phase}')) === 'Running',
      30_000,
    );
  };

  beforeAll(async () => {
    cluster = await startPrivateCluster(2);
    await ok('create', 'namespace', NS);
    await runningPod('web', ['web']);
    await runningPod('plain', ['payments-api']);
    await runningPod('duo', ['app', 'sidecar']);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it('GIVEN 250 lines set for a pod WHEN kubectl logs --tail 20 THEN exactly the last 20 lines come back', async () => {
    const current = lines(250, 'current');
    await setPodLogs(cluster.kube, { namespace: NS, pod: 'web', lines: current, previousLines: lines(7, 'previous') });

    const r = await kubectl('logs', 'web', '-n', NS, '--tail', '20');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(text(current.slice(-20)));
    expect(await ok('logs', 'web', '-n', NS)).toBe(text(current));
  });

  it('GIVEN previous lines WHEN kubectl logs --previous THEN the previous file is served', async () => {
    const r = await kubectl('logs', 'web', '-n', NS, '--previous');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(text(lines(7, 'previous')));
    // --timestamps: the CRI timestamps, 1 s apart, previous lines before the current ones.
    const stamped = (await ok('logs', 'web', '-n', NS, '--tail', '2', '--timestamps')).trim().split('\n');
    expect(stamped).toHaveLength(2);
    const [t1, t2] = stamped.map((l) => Date.parse(l.split(' ')[0] ?? ''));
    expect(t2! - t1!).toBe(1000);
  });

  it('GIVEN the admin credentials WHEN GET pods/<pod>/log?tailLines=5 over HTTPS THEN the last 5 lines (cert and token)', async () => {
    const path = `/api/v1/namespaces/${NS}/pods/web/log?tailLines=5`;
    const want = text(lines(250, 'current').slice(-5));
    expect(await apiGet(path, 'cert')).toEqual({ status: 200, body: want });
    expect(await apiGet(path, 'token')).toEqual({ status: 200, body: want });
    const prev = await apiGet(`/api/v1/namespaces/${NS}/pods/web/log?previous=true&tailLines=2`, 'cert');
    expect(prev).toEqual({ status: 200, body: text(lines(7, 'previous').slice(-2)) });
  });

  it('GIVEN new content WHEN set again, appended to, then cleared THEN each is served at once (cleared: the default)', async () => {
    await setPodLogs(cluster.kube, { namespace: NS, pod: 'web', lines: ['only line'] });
    expect(await ok('logs', 'web', '-n', NS)).toBe('only line\n');
    // No previous lines given: --previous fails as for a container that never restarted.
    const prev = await kubectl('logs', 'web', '-n', NS, '--previous');
    expect(prev.exitCode).toBe(1);
    expect(prev.stderr).toContain('no-previous-terminated-container.log: no such file or directory');

    appendPodLogs(cluster.kube, { namespace: NS, pod: 'web', lines: ['appended 1', 'appended 2'] });
    expect(await ok('logs', 'web', '-n', NS)).toBe('only line\nappended 1\nappended 2\n');

    expect(await clearPodLogs(cluster.kube, { namespace: NS, pod: 'web' })).toBe(true);
    await waitFor(
      'the default log again',
      async () => (await ok('logs', 'web', '-n', NS, '--tail', '1')).includes('[http]'),
      10_000,
      100,
    );
    expect(await clearPodLogs(cluster.kube, { namespace: NS, pod: 'web' })).toBe(false);
  });

  it('GIVEN a pod without logs of its own WHEN kubectl logs THEN the default sample log of its container (300 lines); --previous is a clear error', async () => {
    // Container `payments-api`: the payments flavour of the default; any other container name gets the generic one.
    const all = await ok('logs', 'plain', '-n', NS);
    const got = all.trimEnd().split('\n');
    expect(got).toHaveLength(300);
    expect(got[0]).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[main\] starting payments-api version=1\.2\.0 /,
    );
    expect(all).toMatch(/ (POST|GET) \/v1\/(payments|refunds|customers)\S* \d{3} \d+ms /);
    expect(all).toMatch(/^\S+ (WARN |ERROR) /m);

    const tail = await kubectl('logs', 'plain', '-n', NS, '--tail', '20');
    expect(tail.stdout).toBe(
      got
        .slice(-20)
        .map((l) => `${l}\n`)
        .join(''),
    );

    const prev = await kubectl('logs', 'plain', '-n', NS, '--previous');
    expect(prev.exitCode).toBe(1);
    expect(prev.stderr).toMatch(
      /^Error from server \(BadRequest\): .*no-previous-terminated-container\.log: no such file or directory/,
    );
  });

  it('GIVEN logs set for one container of two WHEN each is read THEN that one has its lines, the other the generic default', async () => {
    await setPodLogs(cluster.kube, { namespace: NS, pod: 'duo', container: 'sidecar', lines: ['proxy ready'] });
    expect(await ok('logs', 'duo', '-n', NS, '-c', 'sidecar')).toBe('proxy ready\n');
    expect(await ok('logs', 'duo', '-n', NS, '-c', 'app', '--tail', '1')).toMatch(
      /^\S+Z (INFO |DEBUG|WARN |ERROR) \[\w+\] /,
    );
    // A second container's lines keep the first's.
    await setPodLogs(cluster.kube, { namespace: NS, pod: 'duo', container: 'app', lines: ['app up'] });
    expect(await ok('logs', 'duo', '-n', NS, '-c', 'app')).toBe('app up\n');
    expect(await ok('logs', 'duo', '-n', NS, '-c', 'sidecar')).toBe('proxy ready\n');
  });
});
