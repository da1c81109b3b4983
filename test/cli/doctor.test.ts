import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { checkConfig, checkKube, checkPorts, doctor, formatCheck } from '../../sandbox/doctor';
import { freePort } from '../support/ports';
import type { RunningWorker } from '../support/sandbox';
import { startWorker, testConfig } from '../support/sandbox';
import { DEFAULT_CONFIG_PATH } from '../../worker/config-loader';

const REPO = join(__dirname, '..', '..');
/** The Node version sandbox/versions.env pins (dots escaped for a RegExp). */
const PINNED_NODE = /^NODE_VERSION=(\S+)$/m
  .exec(readFileSync(join(REPO, 'sandbox', 'versions.env'), 'utf8'))![1]!
  .replace(/\./g, '\\.');

/** The sandbox config, edited, written to a temp folder (infraDir absolute so the copy still finds it). */
function writeConfig(
  edit: (raw: Record<string, unknown> & { environments: Record<string, Record<string, unknown>> }) => void,
): string {
  const raw = parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8')) as Record<string, unknown> & {
    environments: Record<string, Record<string, unknown>>;
  };
  raw.infraDir = join(REPO, 'infra');
  edit(raw);
  const path = join(mkdtempSync(join(tmpdir(), 'doctor-')), 'config.yaml');
  writeFileSync(path, stringify(raw));
  return path;
}

function runDoctor(env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      join(REPO, 'node_modules', '.bin', 'tsx'),
      [join(REPO, 'sandbox', 'doctor.ts')],
      { env, timeout: 300_000 },
      (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout }),
    );
  });
}

describe('npm run doctor', () => {
  it('GIVEN a config whose paths are broken THEN each problem is its own FAIL line with the fix, and the exit code is 1', async () => {
    const path = writeConfig((raw) => {
      raw.infraDir = '../nowhere';
      (raw.environments.dev!.cluster as Record<string, unknown>).kubeconfig = '../kube/config';
    });
    const lines = checkConfig({ ...process.env, INFRA_AGENT_CONFIG: path }).results.map(formatCheck);
    const dir = join(path, '..');
    expect(lines).toContain(
      `FAIL config: infraDir: '../nowhere' → ${join(dir, '..', 'nowhere')} does not exist; paths are relative to the config file ${path} — fix: edit ${path} (or point INFRA_AGENT_CONFIG at the right file)`,
    );
    expect(
      lines.some((l) => l.startsWith(`FAIL config: environments.dev.cluster.kubeconfig: '../kube/config' →`)),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('FAIL config: stacks.vpc.template:'))).toBe(true);
    const r = await runDoctor({ ...process.env, INFRA_AGENT_CONFIG: path });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL config: infraDir: '../nowhere'`);
    expect(r.stdout).toMatch(/doctor: \d+ check\(s\) failed\n$/);
  });

  it('GIVEN a port held by a process that is not our sandbox THEN FAIL naming the holder', async () => {
    const { createServer } = await import('node:net');
    const srv = createServer();
    const port = await freePort();
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
    try {
      const results = await checkPorts({
        ...process.env,
        INFRA_AGENT_SANDBOX_DIR: mkdtempSync(join(tmpdir(), 'sb-')),
        INFRA_AGENT_MOTO_PORT: String(port),
      });
      const line = results.map(formatCheck).find((l) => l.includes(`port ${port} (moto)`));
      expect(line).toMatch(
        new RegExp(`^FAIL port ${port} \\(moto\\): taken by pid ${process.pid} .*— fix: stop that process`),
      );
    } finally {
      srv.close();
    }
  });

  it('GIVEN kubeconfigs that lack the context, run an exec plugin, or are missing THEN each kube check FAILs saying which', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const kc = (name: string, user: Record<string, unknown>): string => {
      const path = join(dir, name);
      writeFileSync(
        path,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
          users: [{ name: 'u', user }],
          contexts: [{ name: 'sandbox', context: { cluster: 'c', user: 'u' } }],
        }),
      );
      return path;
    };
    const noContext = kc('no-context', {});
    const execUser = kc('exec', { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1beta1' } });
    const base = testConfig();
    const cluster = (kubeconfig: string, kubeContext: string) => ({
      name: 'x',
      kubeContext,
      kubeconfig,
      namespaceSuffix: '',
      traffic: { kind: 'istio' as const },
    });
    const config = {
      ...base,
      environments: {
        dev: { ...base.environments.dev, cluster: cluster(noContext, 'dev-ctx') },
        tst: { ...base.environments.tst, cluster: cluster(execUser, 'sandbox') },
        prd: { ...base.environments.prd, cluster: cluster(join(dir, 'missing'), 'sandbox') },
      },
    };
    const lines = (await checkKube(config, process.env)).map(formatCheck);
    expect(lines).toEqual([
      expect.stringMatching(/^FAIL kube dev-ctx \(dev\): kubeconfig .*no-context has no context 'dev-ctx'/),
      expect.stringMatching(/^FAIL kube sandbox \(tst\): kubeconfig .*exec: user 'u' of context 'sandbox' uses 'exec'/),
      expect.stringMatching(
        /^FAIL kube sandbox \(prd\): kubeconfig .*missing does not exist — fix: npm run sandbox -- up/,
      ),
    ]);
  });

  describe('GIVEN the healthy test sandbox with a worker polling', () => {
    let worker: RunningWorker;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      const taskQueue = `doctor-${randomUUID()}`;
      env = {
        ...process.env,
        INFRA_AGENT_TASK_QUEUE: taskQueue,
        INFRA_AGENT_MFA_KEY: randomBytes(32).toString('base64'),
        // The test sandbox runs no cluster: no environment names one, and its ports are private free ones.
        INFRA_AGENT_CONFIG: writeConfig((raw) => {
          for (const e of Object.values(raw.environments)) delete e.cluster;
        }),
        INFRA_AGENT_KUBE_ETCD_PORT: String(await freePort()),
        INFRA_AGENT_KUBE_ETCD_PEER_PORT: String(await freePort()),
        INFRA_AGENT_KUBE_APISERVER_PORT: String(await freePort()),
        INFRA_AGENT_KUBE_CONTROLLER_MANAGER_PORT: String(await freePort()),
        INFRA_AGENT_KUBE_SCHEDULER_PORT: String(await freePort()),
        INFRA_AGENT_KUBE_KWOK_PORT: String(await freePort()),
      };
      worker = await startWorker({ ...testConfig(), temporal: { ...testConfig().temporal, taskQueue } });
    });
    afterAll(async () => worker.stop());

    it('THEN every check is ok: config, tools, ports held by our sandbox, Temporal with pollers, MFA key', async () => {
      const results = await doctor(env);
      const lines = results.map(formatCheck);
      expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^ok {3}config: .* loads; infraDir /),
          expect.stringMatching(new RegExp(`^ok {3}tool node: pinned ${PINNED_NODE} +reports: v${PINNED_NODE}$`)),
          expect.stringMatching(/^ok {3}tool temporal: /),
          expect.stringMatching(
            new RegExp(`^ok {3}port ${process.env.INFRA_AGENT_TEMPORAL_PORT} \\(temporal\\): held by our sandbox`),
          ),
          expect.stringMatching(
            new RegExp(`^ok {3}port ${process.env.INFRA_AGENT_MOTO_PORT} \\(moto\\): held by our sandbox`),
          ),
          expect.stringMatching(/^ok {3}worker \(workflow tasks\): \d+ poller\(s\) on task queue doctor-/),
          expect.stringMatching(/^ok {3}worker \(activity tasks\): /),
          'ok   mfa key: from INFRA_AGENT_MFA_KEY (needed by prd)',
          'ok   kube: no environment names a cluster',
        ]),
      );
    });

    it('THEN without a worker on the queue, or without the MFA key, doctor says so with the fix', async () => {
      const results = await doctor({
        ...env,
        INFRA_AGENT_TASK_QUEUE: `nobody-${randomUUID()}`,
        INFRA_AGENT_MFA_KEY: '',
        INFRA_AGENT_STATE_DIR: mkdtempSync(join(tmpdir(), 'st-')),
      });
      // Only what changed from the healthy run fails (the tools' lines are the test above's concern).
      const fails = results.filter((r) => !r.ok && !r.check.startsWith('tool')).map(formatCheck);
      expect(fails).toEqual([
        expect.stringMatching(
          /^FAIL worker \(workflow tasks\): no worker polls task queue nobody-.* — fix: start one: node bin\/infra-agent worker/,
        ),
        expect.stringMatching(/^FAIL worker \(activity tasks\): no worker polls/),
        expect.stringMatching(/^FAIL mfa key: none — INFRA_AGENT_MFA_KEY is unset .*prd approvals need MFA — fix: /),
      ]);
    });
  });
});
