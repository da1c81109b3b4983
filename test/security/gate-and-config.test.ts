import { readSecurityConfig } from '../../core/security/config';
import type { Finding, ScanResult } from '../../core/security/findings';
import { emptyCounts, summarise } from '../../core/security/findings';
import { evaluateGate } from '../../core/security/gate';
import { parseImageRef } from '../../core/security/image-ref';

const vuln = (id: string, severity: Finding['severity'], fixed?: string): Finding => ({
  source: 'trivy',
  kind: 'vuln',
  id,
  severity,
  title: id,
  target: 'app',
  pkg: 'p',
  installed: '1.0.0',
  ...(fixed ? { fixed } : {}),
});

function scan(findings: Finding[]): ScanResult {
  const counts = emptyCounts();
  for (const f of findings) counts[f.severity] += 1;
  return {
    target: 'ghcr.io/example/x:1',
    artifact: 'image',
    findings,
    counts,
    total: findings.length,
    truncated: false,
    scanner: { name: 'trivy' },
    scannedAt: '2026-01-01T00:00:00Z',
  };
}

const PRD = {
  mode: 'block',
  vulnerabilities: ['CRITICAL', 'HIGH'],
  fixableOnly: true,
  misconfigurations: ['HIGH'],
} as const;

describe('the gate', () => {
  it('blocks fixable HIGH in PRD, not a HIGH without a fix', () => {
    expect(evaluateGate(scan([vuln('CVE-1', 'HIGH')]), PRD, 'prd').passed).toBe(true);
    const v = evaluateGate(scan([vuln('CVE-1', 'HIGH'), vuln('CVE-2', 'HIGH', '1.0.1')]), PRD, 'prd');
    expect(v).toMatchObject({ passed: false, blockingCount: 1 });
    expect(v.blocking[0]?.id).toBe('CVE-2');
  });

  it('lets an excuse (the waiver hook) through, and says so', () => {
    const v = evaluateGate(scan([vuln('CVE-2', 'CRITICAL', '2')]), PRD, 'prd', (f) =>
      f.id === 'CVE-2' ? 'waived by bob until 2026-02-01' : undefined,
    );
    expect(v).toMatchObject({ passed: true, excused: [{ why: 'waived by bob until 2026-02-01' }] });
  });

  it('blocks a truncated scan whose blocked severities were not all kept', () => {
    const s = {
      ...scan([vuln('CVE-1', 'LOW')]),
      truncated: true,
      total: 500,
      counts: { ...emptyCounts(), LOW: 1, HIGH: 499 },
    };
    expect(evaluateGate(s, PRD, 'prd').passed).toBe(false);
  });

  it('summarises 10k findings into counts and the worst five', () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      vuln(`CVE-${i}`, (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[i % 4]!, i % 3 ? '9' : undefined),
    );
    const s = summarise(many);
    expect(s.counts).toEqual({ CRITICAL: 2500, HIGH: 2500, MEDIUM: 2500, LOW: 2500, UNKNOWN: 0 });
    expect(s.top.map((f) => f.severity)).toEqual(Array(5).fill('CRITICAL'));
    expect(s.top.every((f) => f.fixed)).toBe(true);
  });
});

describe('security config and image refs', () => {
  it('names each bad setting', () => {
    const r = readSecurityConfig({
      trivy: { db: 'mirror' },
      images: { source: 'archive' },
      gates: { qa: {}, prd: { mode: 'strict', vulnerabilities: ['SEVERE'] } },
    });
    expect(r.value).toBeUndefined();
    expect(r.issues.map((i) => i.path)).toEqual([
      'security.trivy.cacheDir',
      'security.trivy.dbRepository',
      'security.images.archiveDir',
      'security.gates.qa',
      'security.gates.prd.mode',
      'security.gates.prd.vulnerabilities',
    ]);
  });

  it('parses registry, repository, tag and digest', () => {
    expect(parseImageRef('ghcr.io/example/payments-api:1.4.2')).toMatchObject({
      registry: 'ghcr.io',
      repository: 'example/payments-api',
      tag: '1.4.2',
    });
    expect(parseImageRef('library/alpine:3.18')).toMatchObject({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseImageRef('127.0.0.1:5000/demo/app@sha256:' + 'a'.repeat(64))).toMatchObject({
      registry: '127.0.0.1:5000',
      digest: 'sha256:' + 'a'.repeat(64),
    });
  });
});
