/**
 * The rules of `vulns {service} {env}` without a cluster: which operator reports belong to a service's workloads,
 * current vs stale (digest, tag, Docker Hub's registry name), config audits of the current or an earlier revision,
 * and the terminal and Slack renderings (not installed, no workload, more findings than shown).
 */
import type {
  ConfigAuditReportObject,
  LiveWorkload,
  ServiceVulnsInput,
  VulnerabilityReportObject,
} from '../../core/security/cluster-reports';
import { REPORT_LABELS, sameImage, serviceVulns } from '../../core/security/cluster-reports';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import { renderVulns } from '../../presentation/text/vulns';

const DIGEST = `sha256:${'a'.repeat(64)}`;

const labels = (kind: string, name: string, container?: string): Record<string, string> => ({
  [REPORT_LABELS.kind]: kind,
  [REPORT_LABELS.name]: name,
  [REPORT_LABELS.namespace]: 'shop-dev',
  ...(container ? { [REPORT_LABELS.container]: container } : {}),
});

function vr(
  rs: string,
  tag: string,
  vulns: { id: string; sev: string; fixed?: string }[],
  opts: { server?: string; repository?: string; digest?: string; updated?: string } = {},
): VulnerabilityReportObject {
  const count = (s: string) => vulns.filter((v) => v.sev === s).length;
  return {
    metadata: { name: `replicaset-${rs}-web`, labels: labels('ReplicaSet', rs, 'web') },
    report: {
      updateTimestamp: opts.updated ?? '2026-12-06T05:00:00Z',
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.74.0' },
      registry: { server: opts.server ?? 'ghcr.io' },
      artifact: { repository: opts.repository ?? 'example/web', tag, ...(opts.digest ? { digest: opts.digest } : {}) },
      os: { family: 'alpine', name: '3.18.4' },
      summary: {
        criticalCount: count('CRITICAL'),
        highCount: count('HIGH'),
        mediumCount: count('MEDIUM'),
        lowCount: count('LOW'),
        unknownCount: count('UNKNOWN'),
      },
      vulnerabilities: vulns.map((v) => ({
        vulnerabilityID: v.id,
        resource: 'lodash',
        installedVersion: '4.17.11',
        ...(v.fixed ? { fixedVersion: v.fixed } : { fixedVersion: '' }),
        severity: v.sev,
        title: `title of ${v.id}`,
        primaryLink: `https://avd.aquasec.com/nvd/${v.id.toLowerCase()}`,
      })),
    },
  };
}

const car = (rs: string, failed: { id: string; sev: string }[], passed = 3): ConfigAuditReportObject => ({
  metadata: { name: `replicaset-${rs}`, labels: labels('ReplicaSet', rs) },
  report: {
    scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.74.0' },
    summary: {
      criticalCount: 0,
      highCount: failed.filter((f) => f.sev === 'HIGH').length,
      mediumCount: 0,
      lowCount: 0,
    },
    checks: [
      ...failed.map((f) => ({
        checkID: f.id,
        title: `check ${f.id}`,
        severity: f.sev,
        success: false,
        messages: [`m ${f.id}`],
      })),
      ...Array.from({ length: passed }, (_, i) => ({ checkID: `KSV-9${i}`, severity: 'LOW', success: true })),
    ],
  },
});

const blue = (image: string, over: Partial<LiveWorkload> = {}): LiveWorkload => ({
  name: 'web-blue',
  replicas: 2,
  containers: [{ name: 'web', image }],
  replicaSets: ['web-blue-aaa', 'web-blue-bbb'],
  currentReplicaSet: 'web-blue-bbb',
  ...over,
});

const input = (over: Partial<ServiceVulnsInput>): ServiceVulnsInput => ({
  environment: 'dev',
  service: 'web',
  namespace: 'shop-dev',
  cluster: 'sandbox',
  workloads: [],
  vulnerabilityReports: [],
  configAuditReports: [],
  checkedAt: '2026-12-06T05:10:00Z',
  ...over,
});

describe('which operator reports are current for a service', () => {
  it('GIVEN the report of the running tag THEN it is current, with its counts and the worst findings first', () => {
    const r = serviceVulns(
      input({
        workloads: [blue('ghcr.io/example/web:1.0')],
        vulnerabilityReports: [
          vr('web-blue-bbb', '1.0', [
            { id: 'CVE-2', sev: 'HIGH', fixed: '2' },
            { id: 'CVE-1', sev: 'CRITICAL', fixed: '1' },
            { id: 'CVE-3', sev: 'LOW' },
          ]),
        ],
        configAuditReports: [car('web-blue-bbb', [{ id: 'KSV-0014', sev: 'HIGH' }])],
      }),
    );
    const rep = r.workloads[0]!.containers[0]!.report!;
    expect(rep.top.map((f) => f.id)).toEqual(['CVE-1', 'CVE-2', 'CVE-3']);
    expect(rep).toMatchObject({
      total: 3,
      fixable: 2,
      image: 'ghcr.io/example/web:1.0',
      resource: 'ReplicaSet/web-blue-bbb',
    });
    expect(r.workloads[0]!.configAudit).toMatchObject({
      failedTotal: 1,
      passed: 3,
      resource: 'ReplicaSet/web-blue-bbb',
    });
    expect(r.stale).toEqual([]);
  });

  it('GIVEN reports of an earlier image, a deleted ReplicaSet and another service THEN stale ones are said so and others are left out', () => {
    const r = serviceVulns(
      input({
        workloads: [blue('ghcr.io/example/web:2.0')],
        vulnerabilityReports: [
          vr('web-blue-aaa', '1.0', [{ id: 'CVE-1', sev: 'CRITICAL' }]),
          vr('web-blue-zzz', '0.9', [], { updated: '2026-12-01T00:00:00Z' }), // its ReplicaSet is gone
          vr('other-blue-ccc', '2.0', [{ id: 'CVE-9', sev: 'CRITICAL' }]),
        ],
        configAuditReports: [car('web-blue-aaa', []), car('other-blue-ccc', [{ id: 'KSV-1', sev: 'HIGH' }])],
      }),
    );
    expect(r.workloads[0]!.containers[0]).toEqual({
      container: 'web',
      image: 'ghcr.io/example/web:2.0',
      missing: 'no report yet for this image; only a stale one, for ghcr.io/example/web:1.0',
    });
    expect(r.stale.map((s) => [s.name, s.reportImage, s.runningImage])).toEqual([
      ['replicaset-web-blue-aaa-web', 'ghcr.io/example/web:1.0', 'ghcr.io/example/web:2.0'],
      ['replicaset-web-blue-zzz-web', 'ghcr.io/example/web:0.9', 'ghcr.io/example/web:2.0'],
    ]);
    expect(r.workloads[0]!.configAudit).toMatchObject({ earlierRevision: true, resource: 'ReplicaSet/web-blue-aaa' });
    const text = renderVulns(r);
    expect(text.headline).toContain('no findings in 0 of 1 container reported');
    expect(text.body).toContain(
      'container web: ghcr.io/example/web:2.0 — no report yet for this image; only a stale one',
    );
    expect(text.body).toContain('an earlier revision: none yet for the current one');
    expect(text.clean).toBe(false);
  });

  it('GIVEN a digest-pinned workload THEN the digest decides; Docker Hub is docker.io whatever the operator calls it', () => {
    expect(
      sameImage(
        { registry: 'ghcr.io', repository: 'example/web', tag: '1.0', digest: DIGEST },
        `ghcr.io/example/web@${DIGEST}`,
      ),
    ).toBe(true);
    expect(
      sameImage(
        { registry: 'ghcr.io', repository: 'example/web', tag: '1.0', digest: `sha256:${'b'.repeat(64)}` },
        `ghcr.io/example/web:1.0@${DIGEST}`,
      ),
    ).toBe(false);
    expect(sameImage({ registry: 'ghcr.io', repository: 'example/web', tag: '1.0' }, 'ghcr.io/example/other:1.0')).toBe(
      false,
    );
    const r = serviceVulns(
      input({
        workloads: [blue('library/nginx:1.25')],
        vulnerabilityReports: [
          vr('web-blue-bbb', '1.25', [], { server: 'index.docker.io', repository: 'library/nginx' }),
        ],
      }),
    );
    expect(r.workloads[0]!.containers[0]!.report).toMatchObject({ image: 'docker.io/library/nginx:1.25', total: 0 });
  });
});

describe('rendering vulns in the terminal and Slack', () => {
  const many = Array.from({ length: 14 }, (_, i) => ({
    id: `CVE-2024-${1000 + i}`,
    sev: i < 2 ? 'CRITICAL' : 'MEDIUM',
    fixed: '9',
  }));
  const report = serviceVulns(
    input({
      workloads: [blue('ghcr.io/example/web:1.0', { replicas: 1 })],
      vulnerabilityReports: [vr('web-blue-bbb', '1.0', many, { digest: DIGEST })],
      configAuditReports: [
        car('web-blue-bbb', [
          { id: 'KSV-0014', sev: 'HIGH' },
          { id: 'KSV-0001', sev: 'MEDIUM' },
        ]),
      ],
    }),
  );
  const command = { name: 'service-vulns', service: 'web', env: 'dev' } as const;

  it('GIVEN 14 findings THEN 10 are listed worst first, the rest counted, and the config checks that failed', () => {
    const { text, ok } = renderResult(command, { kind: 'vulns', report }, 'bob');
    expect(ok).toBe(false);
    expect(text.split('\n')[0]).toBe(
      '[dev] web in shop-dev (cluster sandbox): 2 CRITICAL, 12 MEDIUM in 1 of 1 container reported; config audit: 2 failed checks',
    );
    expect(text).toContain('web-blue (1 replica)');
    expect(text).toContain(`container web: ghcr.io/example/web:1.0 (${DIGEST.slice(0, 19)}, alpine 3.18.4)`);
    expect(text).toContain(
      'Trivy 0.74.0 (Aqua Security), report 2026-12-06T05:00:00Z (ReplicaSet/web-blue-bbb): 2 CRITICAL, 12 MEDIUM, 14 with a fix',
    );
    expect(text).toContain(
      'CRITICAL CVE-2024-1000  lodash 4.17.11 → 9  title of CVE-2024-1000  https://avd.aquasec.com/nvd/cve-2024-1000',
    );
    expect(text.match(/^ {4}(CRITICAL|MEDIUM) +CVE-/gm)).toHaveLength(10);
    expect(text).toContain('… and 4 more in replicaset-web-blue-bbb-web');
    expect(text).toContain('config audit (ReplicaSet/web-blue-bbb): 2 failed (1 HIGH), 3 passed');
    expect(text.indexOf('KSV-0014')).toBeLessThan(text.indexOf('KSV-0001'));
    expect(text).toContain('HIGH     KSV-0014  check KSV-0014: m KSV-0014');
  });

  it('GIVEN the same report in Slack THEN the headline warns and the findings are in the blocks', () => {
    const s = renderSlackResult(command, { kind: 'vulns', report }, 'C1');
    expect(s.text).toMatch(/^:warning: \[dev\] web in shop-dev/);
    const blocks = JSON.stringify(s.blocks);
    expect(blocks).toContain('CVE-2024-1000');
    expect(blocks).toContain('KSV-0014');
  });

  it('GIVEN no operator, or no workload of the service THEN it says which', () => {
    const none = { ...report, operator: 'not-installed' as const, workloads: [], stale: [] };
    expect(renderResult(command, { kind: 'vulns', report: none }, 'bob').text).toContain(
      '[dev] Trivy Operator is not installed in sandbox: it serves no VulnerabilityReports or ConfigAuditReports',
    );
    const slack = renderSlackResult(command, { kind: 'vulns', report: none }, 'C1');
    expect(slack.text).toContain('Trivy Operator is not installed in sandbox');
    const gone = serviceVulns(input({ workloads: [] }));
    expect(renderVulns(gone).headline).toBe(
      '[dev] web in shop-dev (cluster sandbox): no Deployment of web there, so no reports to show',
    );
  });
});
