import { privateKubeEnv } from '../support/kube-env';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINT } from '../../sandbox/kube/settings';
import {
  createSimulatedNodes,
  installCrds,
  kubeServices,
  kubeSettings,
  prepareKube,
  upKube,
  waitNodesReady,
} from '../../sandbox/kube/services';
import type { KubeSettings } from '../../sandbox/kube/services';
import { waitFor } from '../../sandbox/kube/rest';
import { down, up } from '../../sandbox/manager';
import { readPidRecord } from '../../sandbox/process-control';
import { toolPath } from '../../sandbox/paths';
import { sandboxSettings } from '../../sandbox/settings';
import type { SandboxSettings } from '../../sandbox/settings';

const HELM = toolPath('helm');
const CHART = join(__dirname, '..', 'fixtures', 'charts', 'hello');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], input?: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { shell: false, stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

interface PodList {
  readonly items: readonly {
    readonly metadata: { readonly name: string };
    readonly spec: { readonly nodeName?: string };
    readonly status: {
      readonly phase?: string;
      readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    };
  }[];
}

describe('sandbox Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)', () => {
  let dir: string;
  let sandbox: SandboxSettings;
  let kube: KubeSettings;
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      timings.push(`${what}: ${Date.now() - t0} ms`);
    }
  };

  const kubectl = (args: readonly string[], input?: string): Promise<Run> =>
    run(kube.bin.kubectl, ['--kubeconfig', kube.kubeconfig, '--context', 'sandbox', ...args], input);

  const readyPods = async (namespace: string, selector: string): Promise<string[]> => {
    const r = await kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr);
    return (JSON.parse(r.stdout) as PodList).items
      .filter(
        (p) =>
          p.status.phase === 'Running' &&
          p.spec.nodeName?.startsWith('kwok-node-') &&
          p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      )
      .map((p) => p.metadata.name);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'infra-agent-kube-test-'));
    const env: NodeJS.ProcessEnv = await privateKubeEnv(dir);
    sandbox = sandboxSettings(env);
    kube = kubeSettings(env, dir);
    const missing = Object.values(kube.bin).filter((b) => !existsSync(b));
    if (missing.length > 0) {
      throw new Error(`Kubernetes sandbox binaries missing: ${missing.join(', ')}.\nBuild them with: ${INSTALL_HINT}`);
    }
    if (!existsSync(HELM)) throw new Error(`helm missing at ${HELM}; install it with: bash sandbox/bootstrap.sh helm`);
    await timed('prepareKube (certs, kubeconfigs)', () => prepareKube(kube));
    await timed('up (etcd → kwok healthy)', () =>
      up(sandbox, kubeServices(kube), (line) => timings.push(line.replace('[sandbox] ', ''))),
    );
    await timed('installCrds', () => installCrds(kube));
    await timed('3 kwok nodes Ready', async () => {
      await createSimulatedNodes(kube, 3);
      await waitNodesReady(kube, 3, 60_000);
    });
  }, 600_000);

  afterAll(async () => {
    if (sandbox) await down(sandbox, kubeServices(kube), () => undefined);
    process.stdout.write(`\n[kube test] timings:\n  ${timings.join('\n  ')}\n`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('GIVEN the built apiserver WHEN kubectl version THEN the server reports the pinned v1.34.2', async () => {
    const r = await kubectl(['version', '-o', 'json']);
    expect(r.stderr).toBe(''); // no skew warning: kubectl is built at the server's version
    const v = JSON.parse(r.stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(v.clientVersion.gitVersion).toBe(`v${kube.versions.kube}`);
    expect(v.serverVersion.gitVersion).toBe(`v${kube.versions.kube}`);
    expect(v.serverVersion).toMatchObject({ major: '1', minor: '34' });
  });

  it('GIVEN 3 simulated nodes WHEN listed THEN all are Ready', async () => {
    const r = await kubectl(['get', 'nodes', '-l', 'type=kwok', '-o', 'json']);
    const nodes = (
      JSON.parse(r.stdout) as {
        items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
      }
    ).items;
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(['kwok-node-0', 'kwok-node-1', 'kwok-node-2']);
    for (const n of nodes) expect(n.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('GIVEN a Deployment with 2 replicas WHEN applied THEN 2 pods are scheduled, Running and Ready', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'registry.local/web:1.0.0' }] },
        },
      },
    });
    const applied = await kubectl(['apply', '-f', '-'], manifest);
    expect(applied.stderr).toBe('');
    let ready: string[] = [];
    await timed('Deployment 2/2 pods Ready', () =>
      waitFor(
        '2 web pods Running and Ready',
        async () => (ready = await readyPods('default', 'app=web')).length === 2,
        90_000,
      ),
    );
    expect(ready).toHaveLength(2);
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=60s']);
    expect(rollout.stdout).toContain('successfully rolled out');
  });

  it('GIVEN the Istio CRDs WHEN a VirtualService is applied with --dry-run=server THEN the apiserver accepts it', async () => {
    const vs = JSON.stringify({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        hosts: ['web'],
        http: [
          {
            route: [
              { destination: { host: 'web-blue' }, weight: 90 },
              { destination: { host: 'web-green' }, weight: 10 },
            ],
          },
        ],
      },
    });
    const r = await kubectl(['apply', '--dry-run=server', '-f', '-'], vs);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('virtualservice.networking.istio.io/web created (server dry run)');
    // The schema is structural and enforced: a weight above 100 is refused.
    const bad = await kubectl(['apply', '--dry-run=server', '-f', '-'], vs.replace('"weight":90', '"weight":190'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/weight/);
    for (const resource of [
      'destinationrules.v1beta1.networking.istio.io',
      'vulnerabilityreports.aquasecurity.github.io',
      'configauditreports.aquasecurity.github.io',
    ]) {
      const list = await kubectl(['get', resource, '-A']);
      expect(list.code).toBe(0);
    }
  });

  it('GIVEN a running control plane WHEN upKube runs again THEN it keeps the same processes and nodes stay Ready', async () => {
    const pids = async (): Promise<(number | undefined)[]> =>
      Promise.all(kubeServices(kube).map(async (svc) => (await readPidRecord(dir, svc.name))?.pid));
    const before = await pids();
    expect(before.every((p) => typeof p === 'number')).toBe(true);
    const lines: string[] = [];
    await timed('upKube on a running cluster', () => upKube(sandbox, kube, (l) => lines.push(l)));
    expect(await pids()).toEqual(before);
    expect(lines.filter((l) => l.includes('already running'))).toHaveLength(5);
    expect(lines.at(-1)).toContain('3 kwok nodes');
  });

  it('GIVEN a local chart WHEN helm installs it THEN the release is deployed and its pods are Ready', async () => {
    const r = await timed('helm install --wait', () =>
      run(
        HELM,
        [
          'install',
          'hello',
          CHART,
          '--kubeconfig',
          kube.kubeconfig,
          '--kube-context',
          'sandbox',
          '--namespace',
          'hello',
          '--create-namespace',
          '--wait',
          '--timeout',
          '120s',
        ],
        undefined,
        180_000,
      ),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('STATUS: deployed');
    expect(await readyPods('hello', 'app.kubernetes.io/instance=hello')).toHaveLength(2);
  }, 200_000);
});
