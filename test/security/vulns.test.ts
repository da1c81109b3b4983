/**
 * `vulns {service} {env}` end to end on the real servers: a private control plane with the Trivy Operator CRDs (as
 * `sandbox up` installs them), a rollout service's Deployment running ghcr.io/example/checkout-web:2.1.0 (minimist
 * 1.2.5), the sandbox's operator stand-in writing its reports from real trivy scans (the image's tarball against the
 * offline DB, `trivy config` over the ReplicaSet), and the command through the one dispatcher and a real worker:
 * no reports yet, the CVE with installed → fixed and the counts, the failed config checks, a stale report after the
 * image changed, an unknown service, and a cluster without the CRDs.
 */
import { randomBytes } from 'node:crypto';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { ServiceVulnsReport } from '../../core/security/cluster-reports';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import { toolPath } from '../../sandbox/paths';
import { pushImage } from '../../sandbox/registry-seed';
import { writeTrivyReports } from '../../sandbox/trivy/operator';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { PrivateCluster } from '../k8s/private-cluster';
import { clusterKubectl, startPrivateCluster } from '../k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../support/rollout-env';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const SERVICE = `vulns-web-${suffix}`;
const NAMESPACE = `vulns-${suffix}`;
const NS = `${NAMESPACE}-dev`;
const IMAGE = 'ghcr.io/example/checkout-web:2.1.0';
const FIXED = 'ghcr.io/example/checkout-web:2.1.1';

let cluster: PrivateCluster;
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;

const blue = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `${SERVICE}-blue`, namespace: NS, labels: { app: SERVICE, 'infra-agent/colour': 'blue' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: SERVICE, 'infra-agent/colour': 'blue' } },
    template: {
      metadata: { labels: { app: SERVICE, 'infra-agent/colour': 'blue' } },
      spec: { containers: [{ name: SERVICE, image: IMAGE }] },
    },
  },
});

async function run(line: string, who = person('bob')): Promise<CommandResult> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return session.gateway.execute(parsed.command, who);
}

async function vulns(): Promise<{ report: ServiceVulnsReport; text: string; slack: string }> {
  const line = `vulns ${SERVICE} dev`;
  const r = await run(line);
  if (r.kind !== 'vulns') throw new Error(`expected vulns, got ${r.kind}`);
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return {
    report: r.report,
    text: renderResult(parsed.command, r, 'bob').text,
    slack: JSON.stringify(renderSlackResult(parsed.command, r, 'C1').blocks),
  };
}

/** One pass of the sandbox's stand-in for the operator over the private cluster. */
const REGISTRY = `127.0.0.1:${process.env.INFRA_AGENT_REGISTRY_PORT ?? ''}`;

function operatorPass(): ReturnType<typeof writeTrivyReports> {
  const images = config.security!.images;
  if (images.source !== 'archive') throw new Error('the sandbox config scans image archives');
  return writeTrivyReports({
    kube: cluster.kube,
    trivyBin: toolPath('trivy'),
    cacheDir: config.security!.trivy.cacheDir,
    archiveDir: images.archiveDir,
    registry: `http://${REGISTRY}`,
  });
}

/** Until the Deployment's current ReplicaSet runs `image` (the controller made it and it has a replica). */
async function untilReplicaSetRuns(image: string, ns = NS): Promise<void> {
  const kube = clusterKubectl(cluster);
  for (let i = 0; i < 120; i++) {
    const { stdout } = await kube.run('get', 'rs', '-n', ns, '-o', 'json');
    const items = (
      JSON.parse(stdout) as {
        items: { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[];
      }
    ).items;
    if (items.some((rs) => rs.spec.replicas > 0 && rs.spec.template.spec.containers[0]?.image === image)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no ReplicaSet of ${SERVICE}-blue runs ${image}`);
}

beforeAll(async () => {
  cluster = await startPrivateCluster(1);
  const tc = rolloutTestConfig(
    cluster,
    { [SERVICE]: testServiceYaml({}, { image: 'ghcr.io/example/checkout-web', namespace: NAMESPACE }) },
    { dev: { kind: 'istio' } },
    { security: true },
  );
  config = tc.config;
  worker = await startWorker(config);
  session = await openGateway(config);
  const kube = clusterKubectl(cluster);
  await kube.run('create', 'namespace', NS);
  await kube.apply(blue);
  await untilReplicaSetRuns(IMAGE);
}, 240_000);

afterAll(async () => {
  await session?.close();
  await worker?.stop();
  await cluster?.stop();
}, 60_000);

describe('vulns {service} {env}: Trivy Operator reports from the cluster', () => {
  test('GIVEN the CRDs and a running workload but no scan yet WHEN vulns runs THEN it says there are no reports yet', async () => {
    const { report, text } = await vulns();
    expect(report.operator).toBe('installed');
    expect(report.workloads).toEqual([
      expect.objectContaining({
        workload: `${SERVICE}-blue`,
        replicas: 1,
        containers: [{ container: SERVICE, image: IMAGE, missing: 'no report yet' }],
      }),
    ]);
    expect(text).toContain(`[dev] ${SERVICE} in ${NS} (cluster ${cluster.kube.contextName}): no Trivy reports yet`);
  });

  test('WHEN the sandbox writes the reports as the operator would THEN vulns shows the CVE, installed → fixed, the counts, the scanner and the failed config checks', async () => {
    const pass = await operatorPass();
    expect(pass.written.sort()).toEqual([
      expect.stringMatching(new RegExp(`^${NS}/replicaset-${SERVICE}-blue-[a-z0-9]+$`)),
      expect.stringMatching(new RegExp(`^${NS}/replicaset-${SERVICE}-blue-[a-z0-9]+-${SERVICE}$`)),
    ]);
    expect(pass.skipped).toEqual([]);
    // The objects as the operator labels them, listed by kubectl like any VulnerabilityReport.
    const { stdout } = await clusterKubectl(cluster).run('get', 'vulnerabilityreports', '-n', NS, '-o', 'json');
    const vr = (
      JSON.parse(stdout) as {
        items: {
          metadata: { labels: Record<string, string> };
          report: { artifact: { repository: string; tag: string } };
        }[];
      }
    ).items;
    expect(vr).toHaveLength(1);
    expect(vr[0]!.metadata.labels).toMatchObject({
      'trivy-operator.resource.kind': 'ReplicaSet',
      'trivy-operator.resource.namespace': NS,
      'trivy-operator.container.name': SERVICE,
    });
    expect(vr[0]!.report.artifact).toMatchObject({ repository: 'example/checkout-web', tag: '2.1.0' });

    const { report, text, slack } = await vulns();
    const c = report.workloads[0]!.containers[0]!;
    expect(c.report).toMatchObject({
      container: SERVICE,
      repository: 'ghcr.io/example/checkout-web',
      tag: '2.1.0',
      os: 'alpine 3.18.4',
      scanner: 'Trivy 0.74.0 (Aqua Security)',
      counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
      total: 1,
      fixable: 1,
    });
    expect(c.report!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(c.report!.top.map((f) => [f.id, f.pkg, f.installed, f.fixed, f.severity, f.url])).toEqual([
      ['CVE-2021-44906', 'minimist', '1.2.5', '0.2.4, 1.2.6', 'CRITICAL', 'https://avd.aquasec.com/nvd/cve-2021-44906'],
    ]);
    const audit = report.workloads[0]!.configAudit!;
    expect(audit.earlierRevision).toBeUndefined();
    expect(audit.failedTotal).toBeGreaterThan(5);
    expect(audit.passed).toBeGreaterThan(50);
    expect(audit.failed[0]).toMatchObject({ severity: 'HIGH' });
    expect(audit.failed.map((f) => f.checkID)).toContain('KSV-0014');
    expect(report.stale).toEqual([]);
    expect(text).toContain('1 CRITICAL in 1 of 1 container reported');
    expect(text).toContain('CRITICAL CVE-2021-44906  minimist 1.2.5 → 0.2.4, 1.2.6  Prototype Pollution in minimist');
    expect(text).toContain('KSV-0014');
    expect(slack).toContain('CVE-2021-44906');
    expect(slack).toContain('minimist 1.2.5 → 0.2.4, 1.2.6');

    // The operator rewrites a report only when its inputs changed: a second pass leaves both as they are.
    const again = await operatorPass();
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(2);
  }, 120_000);

  test('WHEN the workload moves to another image and no scan has run yet THEN the old report is shown as stale, not as the running image', async () => {
    const kube = clusterKubectl(cluster);
    await kube.run('set', 'image', '-n', NS, `deployment/${SERVICE}-blue`, `${SERVICE}=${FIXED}`);
    await untilReplicaSetRuns(FIXED);
    const { report, text } = await vulns();
    const c = report.workloads[0]!.containers[0]!;
    expect(c.report).toBeUndefined();
    expect(c.image).toBe(FIXED);
    expect(c.missing).toMatch(
      /^no report yet for this image; only a stale one, for ghcr\.io\/example\/checkout-web:2\.1\.0@sha256:/,
    );
    expect(report.stale).toEqual([
      expect.objectContaining({
        workload: `${SERVICE}-blue`,
        container: SERVICE,
        runningImage: FIXED,
        counts: expect.objectContaining({ CRITICAL: 1 }) as unknown,
      }),
    ]);
    // The config audit on hand is about the earlier ReplicaSet, and says so.
    expect(report.workloads[0]!.configAudit?.earlierRevision).toBe(true);
    expect(text).toContain('stale reports (for images the workloads no longer run; not counted above)');
    expect(text).toContain(`now runs ${FIXED}`);
    expect(text).not.toContain('1 CRITICAL in');

    await operatorPass();
    const after = await vulns();
    const now = after.report.workloads[0]!.containers[0]!;
    expect(now.report).toMatchObject({ tag: '2.1.1', total: 0 });
    expect(after.report.workloads[0]!.configAudit?.earlierRevision).toBeUndefined();
    expect(after.text).toContain(`no findings in 1 of 1 container reported`);
  }, 120_000);

  test('GIVEN a colour pinned to a digest, as a rollout with a registry leaves it THEN its report is for that digest (the tag it names in the registry) and current', async () => {
    const digest = await pushImage(toolPath('crane'), REGISTRY, 'example/checkout-web', '2.1.0', `vulns-${suffix}`);
    const pinned = `ghcr.io/example/checkout-web@${digest}`;
    await clusterKubectl(cluster).apply(
      blue.replaceAll(`${SERVICE}-blue`, `${SERVICE}-green`).replaceAll('"blue"', '"green"').replace(IMAGE, pinned),
    );
    await untilReplicaSetRuns(pinned);
    const pass = await operatorPass();
    expect(pass.skipped).toEqual([]);
    expect(pass.written).toContainEqual(
      expect.stringMatching(new RegExp(`/replicaset-${SERVICE}-green-[a-z0-9]+-${SERVICE}$`)),
    );
    const { report } = await vulns();
    const green = report.workloads.find((w) => w.workload === `${SERVICE}-green`)!;
    expect(green.containers[0]!.report).toMatchObject({
      tag: '2.1.0',
      digest,
      counts: expect.objectContaining({ CRITICAL: 1 }) as unknown,
    });
    expect(green.containers[0]!.report!.top[0]!.id).toBe('CVE-2021-44906');
  }, 120_000);

  test('GIVEN an unknown service or environment, or a person not in the user list THEN a clear refusal', async () => {
    await expect(run('vulns no-such-service dev')).rejects.toThrow(
      /service: 'no-such-service' is not a known service\. Known services: /,
    );
    expect(session.gateway.parse(`vulns ${SERVICE} qa`).ok).toBe(false);
    await expect(run(`vulns ${SERVICE} dev`, person('mallory'))).rejects.toThrow(/Scan results say how our services/);
  });

  test('GIVEN a cluster without the Trivy Operator CRDs WHEN vulns runs THEN it says the operator is not installed there', async () => {
    const kube = clusterKubectl(cluster);
    await kube.run(
      'delete',
      'crd',
      'vulnerabilityreports.aquasecurity.github.io',
      'configauditreports.aquasecurity.github.io',
      '--wait=true',
    );
    const { report, text } = await vulns();
    expect(report.operator).toBe('not-installed');
    expect(text).toContain(`Trivy Operator is not installed in ${cluster.kube.contextName}`);
  }, 60_000);
});
