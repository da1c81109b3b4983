/**
 * The full report a scan command attaches carries every finding, not the worst 200: trivy's JSON with 10,000
 * findings parsed as the scan commands' activities parse it (the rest packed, gzipped, into the result that crosses
 * Temporal), unpacked by the gateway, and written out one finding a line. A report too large to carry even packed
 * falls back to the worst 200 and says so.
 */
import { randomBytes } from 'node:crypto';
import { parseTrivyReport } from '../../adapters/cli/trivy';
import { MAX_FINDINGS_KEPT, MAX_REST_BYTES } from '../../core/security/findings';
import { scanReport } from '../../presentation/text/scan';
import { withEveryFinding } from '../../worker/gateway/scan-rest';

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** trivy's JSON report with n vulnerabilities over 10 targets; `noise` gives each an incompressible title. */
function trivyJson(n: number, noise = false): string {
  const results = Array.from({ length: 10 }, (_, t) => ({
    Target: `app/node_modules/pkg-${t}/package.json`,
    Class: 'lang-pkgs',
    Type: 'node-pkg',
    Vulnerabilities: Array.from({ length: n / 10 }, (_, i) => ({
      VulnerabilityID: `CVE-2024-${String(t * 100000 + i).padStart(6, '0')}`,
      PkgName: `pkg-${t}-${i % 300}`,
      InstalledVersion: '1.0.0',
      ...(i % 3 ? { FixedVersion: '1.0.1' } : {}),
      Severity: SEVERITIES[(i * 7 + t) % 5],
      Title: noise ? randomBytes(48).toString('hex') : `a synthetic finding number ${i} in target ${t}`,
      PrimaryURL: `https://avd.aquasec.com/nvd/cve-2024-${i}`,
    })),
  }));
  return JSON.stringify({ SchemaVersion: 2, Trivy: { Version: '0.74.0' }, ArtifactName: 'big', Results: results });
}

describe('the full report of a large scan', () => {
  it('GIVEN 10,000 findings WHEN a scan command parses them THEN 200 ride in the result, the rest packed, and the attached report lists all 10,000 worst first', () => {
    const scan = parseTrivyReport(trivyJson(10_000), { target: 'big:1', artifact: 'image', everyFinding: true });
    expect(scan.findings).toHaveLength(MAX_FINDINGS_KEPT);
    expect(scan.rest?.count).toBe(10_000 - MAX_FINDINGS_KEPT);
    expect(scan.rest!.gzipBase64.length).toBeLessThan(MAX_REST_BYTES);
    expect(JSON.stringify(scan).length).toBeLessThan(1_100_000); // well under Temporal's 2 MB payload limit

    const all = withEveryFinding(scan);
    expect(all.findings).toHaveLength(10_000);
    expect(all.truncated).toBe(false);
    expect(all.rest).toBeUndefined();
    const report = scanReport(all)!;
    expect(report.count).toBe(10_000);
    const lines = report.text.trimEnd().split('\n');
    expect(lines[2]).toBe('10000 findings');
    const findingLines = lines.slice(4);
    expect(findingLines).toHaveLength(10_000);
    expect(new Set(findingLines.map((l) => /CVE-2024-\d+/.exec(l)?.[0])).size).toBe(10_000);
    // Worst first across the whole report, not only within the first 200.
    const rank = (l: string) => SEVERITIES.findIndex((s) => l.startsWith(s));
    expect(findingLines.every((l, i) => i === 0 || rank(findingLines[i - 1]!) <= rank(l))).toBe(true);
    expect(findingLines.at(-1)).toMatch(/^UNKNOWN /);
  });

  it('GIVEN the gate, a rescan or a waiver (no full report wanted) THEN only the worst 200 are kept, as before', () => {
    const scan = parseTrivyReport(trivyJson(1_000), { target: 'big:1', artifact: 'image' });
    expect(scan.rest).toBeUndefined();
    expect(scan.truncated).toBe(true);
    expect(withEveryFinding(scan)).toBe(scan);
  });

  it('GIVEN a report too large to carry even packed THEN the full report holds the worst 200 and says so', () => {
    const scan = parseTrivyReport(trivyJson(30_000, true), { target: 'huge:1', artifact: 'image', everyFinding: true });
    expect(scan.rest).toBeUndefined();
    expect(scan.total).toBe(30_000);
    const report = scanReport(withEveryFinding(scan))!;
    expect(report.count).toBe(MAX_FINDINGS_KEPT);
    expect(report.text.split('\n')[2]).toBe('200 of 30000 findings (the worst; run trivy on huge:1 for every one)');
  });
});
