/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument -- these tests read untyped Kubernetes objects */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../worker/config-loader';
import type { PrivateCluster } from '../k8s/private-cluster';
import { startPrivateCluster } from '../k8s/private-cluster';
import { REPO_ROOT, runTool, scratch } from './support';
import { parseWorkerServes, servedQueues } from '../../core/task-queues';

const CHART = join(REPO_ROOT, 'deploy', 'helm', 'infra-agent');
const EXAMPLE = join(CHART, 'examples', 'three-accounts.yaml');
const NAMESPACE = 'infra-agent';

type K8sObject = Record<string, any>;

/** Helm with its own config and cache folders (nothing read from or written to the user's). */
function helmEnv(dir: string): Record<string, string> {
  return {
    HELM_CONFIG_HOME: join(dir, 'helm-config'),
    HELM_CACHE_HOME: join(dir, 'helm-cache'),
    HELM_DATA_HOME: join(dir, 'helm-data'),
  };
}

/** Every object a YAML stream holds; a document the parser flags (a duplicate key, say) fails the test. */
function parseObjects(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  expect(errors).toEqual([]);
  return docs.map((d) => d.toJS() as K8sObject).filter((o) => o !== null && o !== undefined);
}

const named = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

describe('the Helm chart (deploy/helm/infra-agent)', () => {
  const files = scratch();
  const env = helmEnv(files.dir);
  afterAll(() => files.cleanup());

  const template = async (...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> =>
    runTool('helm', ['template', 'infra-agent', CHART, '--namespace', NAMESPACE, ...args], { env });
  const render = async (...args: string[]): Promise<K8sObject[]> => {
    const r = await template(...args);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    return parseObjects(r.stdout);
  };

  describe('offline: helm lint and the rendered manifests', () => {
    it('GIVEN the default values and the three-account example WHEN helm lint --strict runs THEN both pass', async () => {
      for (const values of [[], ['--values', EXAMPLE]]) {
        const r = await runTool('helm', ['lint', '--strict', CHART, ...values], { env });
        expect({ values, exitCode: r.exitCode, out: r.stdout }).toEqual({
          values,
          exitCode: 0,
          out: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
        });
      }
    });

    it('GIVEN a copy of the chart with a broken template WHEN helm lint runs THEN it fails (the check can fail)', async () => {
      const copy = join(files.dir, 'broken-chart');
      cpSync(CHART, copy, { recursive: true });
      const path = join(copy, 'templates', 'networkpolicy.yaml');
      writeFileSync(path, readFileSync(path, 'utf8').replace('{{- end }}\n{{- end }}', '{{- end }}'));
      const r = await runTool('helm', ['lint', '--strict', copy], { env });
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/networkpolicy\.yaml.*unexpected EOF|1 chart\(s\) failed/s);
    });

    it('GIVEN the three-account example WHEN rendered THEN a bot and one worker per account, each with its PDB and ServiceAccount', async () => {
      const objects = await render('--values', EXAMPLE);
      const names = (kind: string) =>
        named(objects, kind)
          .map((o) => o.metadata.name)
          .sort();
      const components = [
        'infra-agent-bot',
        'infra-agent-worker-dev',
        'infra-agent-worker-prd',
        'infra-agent-worker-tst',
      ];
      expect(names('Deployment')).toEqual(components);
      expect(names('PodDisruptionBudget')).toEqual(components);
      expect(names('ServiceAccount')).toEqual(components);
      expect(names('ConfigMap')).toEqual(['infra-agent-config']);
      expect(names('NetworkPolicy')).toEqual(['infra-agent']);
      // Secrets come from an existing Secret by name: the chart makes none and passes none as a value.
      expect(names('Secret')).toEqual([]);
      const queues = Object.fromEntries(
        named(objects, 'Deployment').map((d) => {
          const c = d.spec.template.spec.containers[0];
          const serves = c.env.find((e: any) => e.name === 'INFRA_AGENT_WORKER_SERVES')?.value;
          return [
            d.metadata.name,
            { serves, args: c.args, secret: c.envFrom, sa: d.spec.template.spec.serviceAccountName },
          ];
        }),
      );
      expect(queues['infra-agent-worker-prd']).toEqual({
        serves: 'prd',
        args: ['worker'],
        secret: [{ secretRef: { name: 'infra-agent' } }],
        sa: 'infra-agent-worker-prd',
      });
      expect(queues['infra-agent-bot']).toMatchObject({ serves: undefined, args: ['bot'] });
      expect(queues['infra-agent-worker-dev']).toMatchObject({ serves: 'dev,general' });
      const roles = Object.fromEntries(
        named(objects, 'ServiceAccount').map((s) => [
          s.metadata.name,
          s.metadata.annotations?.['eks.amazonaws.com/role-arn'],
        ]),
      );
      expect(roles).toEqual({
        'infra-agent-bot': undefined,
        'infra-agent-worker-dev': 'arn:aws:iam::111111111111:role/infra-agent-worker-dev',
        'infra-agent-worker-tst': 'arn:aws:iam::111111111111:role/infra-agent-worker-tst',
        'infra-agent-worker-prd': 'arn:aws:iam::222222222222:role/infra-agent-worker-prd',
      });
      // Each PDB selects exactly its own Deployment's pods.
      for (const pdb of named(objects, 'PodDisruptionBudget')) {
        const dep = named(objects, 'Deployment').find((d) => d.metadata.name === pdb.metadata.name);
        expect({ name: pdb.metadata.name, selector: pdb.spec.selector }).toEqual({
          name: pdb.metadata.name,
          selector: dep?.spec.selector,
        });
      }
    });

    it.each([
      ['the default values', [], ['infra-agent-bot', 'infra-agent-worker-default']],
      [
        'the three-account example',
        ['--values', EXAMPLE],
        ['infra-agent-bot', 'infra-agent-worker-dev', 'infra-agent-worker-prd', 'infra-agent-worker-tst'],
      ],
      [
        'workers only (bot.enabled=false)',
        ['--values', EXAMPLE, '--set', 'bot.enabled=false'],
        ['infra-agent-worker-dev', 'infra-agent-worker-prd', 'infra-agent-worker-tst'],
      ],
    ])(
      'GIVEN %s WHEN rendered THEN every Deployment runs non-root, read-only, no capabilities, RuntimeDefault seccomp, with probes',
      async (_what, args, names) => {
        const deployments = named(await render(...args), 'Deployment');
        expect(deployments.map((d) => d.metadata.name).sort()).toEqual(names);
        for (const d of deployments) {
          const pod = d.spec.template.spec;
          const [c, ...more] = pod.containers;
          expect(more).toEqual([]);
          expect({ links: pod.enableServiceLinks, token: pod.automountServiceAccountToken }).toEqual({
            links: false,
            token: false,
          });
          // Replicas spread over nodes and zones, each constraint selecting only this Deployment's pods.
          expect(
            pod.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable, t.labelSelector]),
          ).toEqual([
            ['kubernetes.io/hostname', 'ScheduleAnyway', d.spec.selector],
            ['topology.kubernetes.io/zone', 'ScheduleAnyway', d.spec.selector],
          ]);
          expect({ name: d.metadata.name, pod: pod.securityContext, container: c.securityContext }).toEqual({
            name: d.metadata.name,
            pod: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              fsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            container: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          });
          expect({
            name: d.metadata.name,
            liveness: c.livenessProbe.httpGet,
            readiness: c.readinessProbe.httpGet,
            ports: c.ports,
          }).toEqual({
            name: d.metadata.name,
            liveness: { path: '/healthz', port: 'health' },
            readiness: { path: '/readyz', port: 'health' },
            ports: [{ name: 'health', containerPort: 8080, protocol: 'TCP' }],
          });
          // A read-only root: /tmp is an emptyDir; the config is the ConfigMap, read-only.
          const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m.name]));
          expect(mounts).toEqual({ '/etc/infra-agent': 'config', '/tmp': 'tmp', '/var/lib/infra-agent': 'state' });
          const volumes = Object.fromEntries(
            pod.volumes.map((v: any) => [v.name, Object.keys(v).filter((k) => k !== 'name')[0]]),
          );
          expect(volumes).toEqual({ config: 'configMap', tmp: 'emptyDir', state: 'emptyDir' });
          expect(c.resources.requests).toEqual(
            expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
          );
          expect(c.resources.limits.memory).toEqual(expect.any(String));
        }
      },
    );

    it('GIVEN other health values WHEN rendered THEN every probe, the port and INFRA_AGENT_HEALTH_PORT follow them', async () => {
      const objects = await render(
        '--values',
        EXAMPLE,
        '--set',
        'health.port=9090,health.livenessPath=/live,health.readinessPath=/ready',
      );
      for (const d of named(objects, 'Deployment')) {
        const c = d.spec.template.spec.containers[0];
        expect({
          live: c.livenessProbe.httpGet.path,
          ready: c.readinessProbe.httpGet.path,
          port: c.ports[0].containerPort,
          env: c.env.find((e: any) => e.name === 'INFRA_AGENT_HEALTH_PORT')?.value,
        }).toEqual({ live: '/live', ready: '/ready', port: 9090, env: '9090' });
      }
    });

    it('GIVEN the NetworkPolicy WHEN rendered THEN ingress reaches only the health port and egress only DNS, Temporal, the store, HTTPS', async () => {
      const [np] = named(await render('--values', EXAMPLE), 'NetworkPolicy');
      expect(np?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np?.spec.podSelector).toEqual({
        matchLabels: { 'app.kubernetes.io/name': 'infra-agent', 'app.kubernetes.io/instance': 'infra-agent' },
      });
      expect(np?.spec.ingress).toEqual([{ ports: [{ port: 'health', protocol: 'TCP' }] }]);
      const egress = np?.spec.egress.map((r: any) => ({
        ports: r.ports.map((p: any) => `${p.port}/${p.protocol}`),
        to: r.to,
      }));
      expect(egress).toEqual([
        {
          ports: ['53/UDP', '53/TCP'],
          to: [
            expect.objectContaining({
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            }),
          ],
        },
        {
          ports: ['7233/TCP'],
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'temporal' } } }],
        },
        { ports: ['5432/TCP'], to: [{ ipBlock: { cidr: '10.0.0.0/16' } }] },
        { ports: ['443/TCP'], to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] },
      ]);
    });

    it('GIVEN the rendered ConfigMap WHEN the product loads its config.yaml with a worker pod environment THEN it validates', async () => {
      const objects = await render('--values', EXAMPLE);
      const text = named(objects, 'ConfigMap')[0]?.data['config.yaml'];
      const dir = mkdtempSync(join(tmpdir(), 'infra-agent-chart-config-'));
      try {
        const path = join(dir, 'config.yaml');
        writeFileSync(path, text);
        const prd = named(objects, 'Deployment').find((d) => d.metadata.name === 'infra-agent-worker-prd');
        const podEnv = Object.fromEntries(prd?.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        // What the existing Secret would add, and /app/infra (the image's) as this checkout's infra/.
        const secret = {
          SLACK_BOT_TOKEN: 'xoxb-planted',
          SLACK_APP_TOKEN: 'xapp-planted',
          SLACK_BOT_USER_ID: 'U0BOT',
          SLACK_BOT_ID: 'B0BOT',
        };
        const config = loadConfig({ ...podEnv, ...secret, INFRA_AGENT_INFRA_DIR: join(REPO_ROOT, 'infra') }, path);
        expect({
          address: config.temporal.address,
          queue: config.temporal.taskQueue,
          envs: Object.keys(config.environments),
        }).toEqual({
          address: 'temporal-frontend.temporal:7233',
          queue: 'infra-agent',
          envs: ['dev', 'tst', 'prd'],
        });
        // What the PRD pod polls, as the worker works it out at start: PRD's own queue and nothing else.
        const serves = parseWorkerServes(podEnv.INFRA_AGENT_WORKER_SERVES);
        if (!serves.ok) throw new Error(serves.problem);
        expect(servedQueues(config, serves.serves)).toEqual({
          ok: true,
          queues: [{ taskQueue: 'infra-agent-prd', environments: ['prd'], general: false }],
        });
        // Together the workers serve every environment and the general work, each scope exactly once.
        const all = named(objects, 'Deployment').flatMap((d) => {
          const v = d.spec.template.spec.containers[0].env.find(
            (e: any) => e.name === 'INFRA_AGENT_WORKER_SERVES',
          )?.value;
          const p = parseWorkerServes(v);
          if (v !== undefined && p.ok) expect(servedQueues(config, p.serves).ok).toBe(true);
          return v === undefined || !p.ok ? [] : p.serves;
        });
        expect([...all].sort()).toEqual(['dev', 'general', 'prd', 'tst']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.each([
      [
        'the file store with two replicas',
        ['--set', 'config.store=file'],
        /2 replicas share state only through PostgreSQL; set config.store: postgres/,
      ],
      [
        'two workers of one name',
        ['--set', 'workers[0].name=a,workers[0].serves=dev,workers[1].name=a,workers[1].serves=dev'],
        /workers\[\]\.name 'a' appears twice/,
      ],
      [
        'a worker serving nothing',
        ['--set', 'workers[0].name=a,workers[0].serves=null'],
        /worker infra-agent-worker-a: serves is required/,
      ],
      ['no Secret named', ['--set', 'existingSecret='], /existingSecret: name the Secret/],
    ])('GIVEN %s WHEN rendered THEN helm refuses with what to change', async (_what, args, message) => {
      const r = await template(...args);
      expect({ exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        exitCode: 1,
        stderr: expect.stringMatching(message),
      });
    });
  });

  describe('against a private sandbox cluster (kwok: objects are real, no container runs)', () => {
    let cluster: PrivateCluster;
    const kubectl = (args: string[], stdin?: string) =>
      runTool('kubectl', ['--kubeconfig', cluster.kube.kubeconfig, '--context', cluster.kube.contextName, ...args], {
        ...(stdin !== undefined ? { stdin } : {}),
      });
    const helmIn = (args: string[]) =>
      runTool('helm', [...args, '--kubeconfig', cluster.kube.kubeconfig, '--kube-context', cluster.kube.contextName], {
        env,
      });

    beforeAll(async () => {
      cluster = await startPrivateCluster(2);
      const r = await kubectl(['create', 'namespace', NAMESPACE]);
      expect(r.stderr).toBe('');
    }, 240_000);
    afterAll(async () => {
      await cluster?.stop();
    }, 60_000);

    it('GIVEN the rendered manifests WHEN the apiserver checks them (server-side dry run) THEN it accepts every object', async () => {
      for (const values of [[], ['--values', EXAMPLE]]) {
        const rendered = await template(...values);
        expect(rendered.exitCode).toBe(0);
        const r = await kubectl(['apply', '--dry-run=server', '--namespace', NAMESPACE, '-f', '-'], rendered.stdout);
        expect({ values, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ values, exitCode: 0, stderr: '' });
        const accepted = r.stdout.trim().split('\n');
        expect(accepted.length).toBe(parseObjects(rendered.stdout).length);
        for (const line of accepted) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
      }
    });

    it('GIVEN values the apiserver must refuse WHEN dry-run THEN it refuses them (the check can fail)', async () => {
      const rendered = await template('--set', 'health.port=70000,podSecurityContext.seccompProfile.type=Sideways');
      expect(rendered.exitCode).toBe(0);
      const r = await kubectl(['apply', '--dry-run=server', '--namespace', NAMESPACE, '-f', '-'], rendered.stdout);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/containerPort: Invalid value: 70000/);
      expect(r.stderr).toMatch(/seccompProfile\.type: Unsupported value: "Sideways"/);
    });

    it('GIVEN the three-account values WHEN helm installs the chart THEN the Deployments, PDBs, NetworkPolicy and ServiceAccounts exist as given', async () => {
      const install = await helmIn([
        'install',
        'infra-agent',
        CHART,
        '--namespace',
        NAMESPACE,
        '--values',
        EXAMPLE,
        '--wait',
        '--timeout',
        '180s',
      ]);
      expect({ exitCode: install.exitCode, stderr: install.stderr }).toEqual({ exitCode: 0, stderr: '' });
      const get = async (kind: string): Promise<K8sObject[]> => {
        const r = await kubectl([
          'get',
          kind,
          '--namespace',
          NAMESPACE,
          '-l',
          'app.kubernetes.io/name=infra-agent',
          '-o',
          'json',
        ]);
        expect(r.exitCode).toBe(0);
        return (JSON.parse(r.stdout) as { items: K8sObject[] }).items;
      };
      const deployments = await get('deployments');
      expect(
        Object.fromEntries(
          deployments.map((d) => [
            d.metadata.name,
            {
              replicas: d.spec.replicas,
              // kwok marks scheduled pods Ready without running them: this says the objects work, not the image.
              ready: d.status.readyReplicas,
              serves: d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'INFRA_AGENT_WORKER_SERVES')
                ?.value,
              sa: d.spec.template.spec.serviceAccountName,
              readOnlyRoot: d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem,
              readiness: d.spec.template.spec.containers[0].readinessProbe.httpGet.path,
            },
          ]),
        ),
      ).toEqual({
        'infra-agent-bot': {
          replicas: 2,
          ready: 2,
          serves: undefined,
          sa: 'infra-agent-bot',
          readOnlyRoot: true,
          readiness: '/readyz',
        },
        'infra-agent-worker-dev': {
          replicas: 2,
          ready: 2,
          serves: 'dev,general',
          sa: 'infra-agent-worker-dev',
          readOnlyRoot: true,
          readiness: '/readyz',
        },
        'infra-agent-worker-tst': {
          replicas: 2,
          ready: 2,
          serves: 'tst',
          sa: 'infra-agent-worker-tst',
          readOnlyRoot: true,
          readiness: '/readyz',
        },
        'infra-agent-worker-prd': {
          replicas: 2,
          ready: 2,
          serves: 'prd',
          sa: 'infra-agent-worker-prd',
          readOnlyRoot: true,
          readiness: '/readyz',
        },
      });
      const pdbs = await get('poddisruptionbudgets');
      expect(
        Object.fromEntries(
          pdbs.map((p) => [p.metadata.name, { max: p.spec.maxUnavailable, expected: p.status.expectedPods }]),
        ),
      ).toEqual({
        'infra-agent-bot': { max: 1, expected: 2 },
        'infra-agent-worker-dev': { max: 1, expected: 2 },
        'infra-agent-worker-tst': { max: 1, expected: 2 },
        'infra-agent-worker-prd': { max: 1, expected: 2 },
      });
      const sas = await get('serviceaccounts');
      expect(
        Object.fromEntries(
          sas.map((s) => [s.metadata.name, s.metadata.annotations?.['eks.amazonaws.com/role-arn'] ?? null]),
        ),
      ).toEqual({
        'infra-agent-bot': null,
        'infra-agent-worker-dev': 'arn:aws:iam::111111111111:role/infra-agent-worker-dev',
        'infra-agent-worker-tst': 'arn:aws:iam::111111111111:role/infra-agent-worker-tst',
        'infra-agent-worker-prd': 'arn:aws:iam::222222222222:role/infra-agent-worker-prd',
      });
      const [np] = await get('networkpolicies');
      expect(np?.spec.ingress).toEqual([{ ports: [{ port: 'health', protocol: 'TCP' }] }]);
      expect(np?.spec.egress.map((r: any) => r.ports.map((p: any) => p.port))).toEqual([
        [53, 53],
        [7233],
        [5432],
        [443],
      ]);
      const uninstall = await helmIn(['uninstall', 'infra-agent', '--namespace', NAMESPACE, '--wait']);
      expect(uninstall.exitCode).toBe(0);
      expect(await get('deployments')).toEqual([]);
    });
  });
});
