import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { SecurityDeps } from '../../activities/security';
import { scanConfig, scanImage, securityGateScan } from '../../activities/security';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type { SecurityGateInput } from '../../core/rollout/types';
import type { SecurityConfig } from '../../core/security/config';
import { cacheRoot } from '../../worker/cache-dir';

/**
 * Real trivy v0.74.0 against the real offline vulnerability DB and image tarballs the bootstrap builds
 * (bash sandbox/bootstrap.sh trivy-data; docs/security.md lists what they hold).
 */
const CACHE = cacheRoot();
const ROOT = resolve(__dirname, '..', '..');
const GATES: SecurityConfig['gates'] = {
  dev: { mode: 'report', vulnerabilities: [], fixableOnly: false, misconfigurations: [] },
  tst: { mode: 'block', vulnerabilities: ['CRITICAL'], fixableOnly: false, misconfigurations: ['CRITICAL'] },
  prd: {
    mode: 'block',
    vulnerabilities: ['CRITICAL', 'HIGH'],
    fixableOnly: true,
    misconfigurations: ['CRITICAL', 'HIGH'],
  },
};

function deps(over: { cacheDir?: string; maxReportBytes?: number; roots?: string[] } = {}): SecurityDeps {
  return {
    run: createRunCommand(),
    trivyBin: join(CACHE, 'bin', 'trivy'),
    config: {
      trivy: {
        cacheDir: over.cacheDir ?? join(CACHE, 'trivy', 'cache'),
        db: 'offline',
        timeoutSeconds: 120,
        maxReportBytes: over.maxReportBytes ?? 32 * 1024 * 1024,
      },
      images: { source: 'archive', archiveDir: join(CACHE, 'trivy', 'images') },
      gates: GATES,
    },
    roots: over.roots ?? [join(ROOT, 'infra')],
    repoDir: ROOT,
    infraDir: join(ROOT, 'infra'),
  };
}

const gateInput = (env: 'dev' | 'tst' | 'prd', image: string): SecurityGateInput => ({
  target: { environment: env, service: 'payments-api', namespace: `payments-${env}` },
  image,
});

/** A trivy cache dir holding a copy of the real DB with its trivy.db replaced by `db` (or removed). */
function brokenCache(db: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'trivy-cache-'));
  mkdirSync(join(dir, 'db'));
  cpSync(join(CACHE, 'trivy', 'cache', 'db', 'metadata.json'), join(dir, 'db', 'metadata.json'));
  if (db !== undefined) writeFileSync(join(dir, 'db', 'trivy.db'), db);
  return dir;
}

describe('trivy image scans against the offline DB', () => {
  it('finds the known CVEs of payments-api 1.4.2 with their fixed versions, worst first', async () => {
    const r = await scanImage(deps(), { ref: 'ghcr.io/example/payments-api:1.4.2' });
    expect(r.os).toBe('alpine 3.18.4');
    expect(r.digest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.db).toMatchObject({ source: 'offline', schemaVersion: 2 });
    expect(r.counts).toEqual({ CRITICAL: 1, HIGH: 2, MEDIUM: 2, LOW: 0, UNKNOWN: 0 });
    expect(r.findings[0]).toMatchObject({
      kind: 'vuln',
      id: 'CVE-2019-10744',
      severity: 'CRITICAL',
      pkg: 'lodash',
      installed: '4.17.11',
      fixed: '4.17.12',
      url: 'https://avd.aquasec.com/nvd/cve-2019-10744',
    });
    expect(r.findings).toContainEqual(
      expect.objectContaining({ id: 'CVE-2023-5678', pkg: 'libcrypto3', installed: '3.1.4-r0', fixed: '3.1.4-r1' }),
    );
  });

  it('passes the clean image, and the PRD gate lets it through', async () => {
    const r = await scanImage(deps(), { ref: 'ghcr.io/example/payments-api:1.4.3' });
    expect(r.total).toBe(0);
    const gate = await securityGateScan(deps(), gateInput('prd', 'ghcr.io/example/payments-api:1.4.3'));
    expect(gate).toMatchObject({ passed: true, provider: 'trivy', verdict: 'passed', counts: 'no findings' });
  });

  it('blocks a CRITICAL with a fix in PRD and TST, and only reports it in DEV', async () => {
    const prd = await securityGateScan(deps(), gateInput('prd', 'ghcr.io/example/payments-api:1.4.2'));
    expect(prd).toMatchObject({ passed: false, verdict: 'blocked', counts: '1 CRITICAL, 2 HIGH, 2 MEDIUM' });
    expect(prd.summary).toContain('BLOCKED in prd');
    expect(prd.summary).toContain('3 blocking');
    expect(prd.worst?.[0]).toBe('CVE-2019-10744 CRITICAL lodash 4.17.11 → 4.17.12: Prototype Pollution in lodash');
    const tst = await securityGateScan(deps(), gateInput('tst', 'ghcr.io/example/checkout-web:2.1.0'));
    expect(tst).toMatchObject({ passed: false, verdict: 'blocked' });
    expect(tst.summary).toContain('CVE-2021-44906 CRITICAL minimist 1.2.5 → 0.2.4, 1.2.6');
    const dev = await securityGateScan(deps(), gateInput('dev', 'ghcr.io/example/payments-api:1.4.2'));
    expect(dev).toMatchObject({ passed: true, verdict: 'report' });
    expect(dev.summary).toContain('REPORT ONLY in dev');
  });

  it('fails closed with a clear error when the DB is missing or corrupt', async () => {
    const ref = 'ghcr.io/example/payments-api:1.4.3';
    const missing = deps({ cacheDir: brokenCache(undefined) });
    await expect(scanImage(missing, { ref })).rejects.toThrow(ToolMissing);
    await expect(scanImage(missing, { ref })).rejects.toThrow(/vulnerability DB is missing.*bootstrap\.sh trivy-data/);
    const corrupt = deps({ cacheDir: brokenCache('this is not a bolt database'.repeat(4000)) });
    await expect(scanImage(corrupt, { ref })).rejects.toThrow(/could not use its vulnerability DB.*invalid database/);
    // The clean image, which would pass: without a readable DB the gate refuses it, never passes it silently.
    for (const d of [missing, corrupt]) {
      const gate = await securityGateScan(d, gateInput('dev', ref));
      expect(gate).toMatchObject({ passed: false, verdict: 'error' });
      expect(gate.summary).toContain('could not be scanned, and the gate fails closed');
    }
  });

  it('refuses malformed refs and images the sandbox has no archive for, saying what to do', async () => {
    for (const ref of [
      'ghcr.io/Example/payments-api:1.4.2',
      '--help',
      'payments api:1.0',
      'ghcr.io/example/payments-api',
    ]) {
      await expect(scanImage(deps(), { ref })).rejects.toThrow(InvalidInput);
    }
    await expect(scanImage(deps(), { ref: 'ghcr.io/example/payments-api' })).rejects.toThrow(/no tag or digest/);
    await expect(scanImage(deps(), { ref: 'ghcr.io/example/payments-api:9.9.9' })).rejects.toThrow(
      /no archive for ghcr.io\/example\/payments-api:9.9.9.*It has: .*ghcr.io\/example\/payments-api:1.4.2/,
    );
  });

  it('refuses a report over the size limit instead of reading part of it', async () => {
    await expect(
      scanImage(deps({ maxReportBytes: 2048 }), { ref: 'ghcr.io/example/payments-api:1.4.2' }),
    ).rejects.toThrow(/report for scanning image .* is larger than 0 MB .*maxReportMB/);
  });
});

describe('trivy config scans', () => {
  it('flags a privileged pod manifest inside the roots', async () => {
    const fixtures = join(ROOT, 'test', 'fixtures', 'security');
    const r = await scanConfig(deps({ roots: [fixtures] }), { path: 'test/fixtures/security/manifests' });
    expect(r.artifact).toBe('config');
    expect(r.findings).toContainEqual(
      expect.objectContaining({
        kind: 'misconfig',
        id: 'KSV-0017',
        severity: 'HIGH',
        target: 'test/fixtures/security/manifests/privileged-pod.yaml',
      }),
    );
    expect(r.counts.HIGH).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('refuses paths outside the roots', async () => {
    for (const path of ['/etc', '../etc', '~/x', 'infra/../../etc', 'test/fixtures/security/manifests']) {
      await expect(scanConfig(deps(), { path })).rejects.toThrow(InvalidInput);
    }
    await expect(scanConfig(deps(), { path: 'test/fixtures/security/manifests' })).rejects.toThrow(
      /outside the folders scans may read/,
    );
    await expect(scanConfig(deps(), { path: 'infra/nope' })).rejects.toThrow(/does not exist/);
  });
});
