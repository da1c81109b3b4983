/**
 * npm run bench:scan — the security agent's cost over trivy's own, in one run:
 *   1. 20 image scans (the sandbox's 4 image tarballs, 5 rounds) the product way — scanImage activity (ref check,
 *      archive lookup, DB check, trivy, parse) + the PRD gate — against the trivy binary alone on the same images
 *      with the same flags (its JSON read, nothing else). Rounds alternate which goes first.
 *   2. Summarising a 10k-finding trivy report: parse into the findings model + counts/top + PRD gate + the text
 *      renderer, against JSON.parse of the same report alone; time and RSS.
 * Goals (issue 15): product within 1.2× of trivy alone; the 10k summary under 300 ms.
 *   BENCH_SCAN_ROUNDS  rounds over the 4 images (default 5 → 20 scans each way)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRunCommand } from '../adapters/cli/run-command';
import { parseTrivyReport } from '../adapters/cli/trivy';
import type { SecurityDeps } from '../activities/security';
import { imageSource, scanImage } from '../activities/security';
import type { Severity } from '../core/security/findings';
import { summarise } from '../core/security/findings';
import { evaluateGate } from '../core/security/gate';
import { renderScan } from '../presentation/text/scan';
import { cacheRoot } from '../worker/cache-dir';
import { msSince } from './timing';

const CACHE = cacheRoot();
const TRIVY = join(CACHE, 'bin', 'trivy');
const ROUNDS = Number(process.env.BENCH_SCAN_ROUNDS ?? 5);
const IMAGES = [
  'ghcr.io/example/payments-api:1.4.2',
  'ghcr.io/example/payments-api:1.4.3',
  'ghcr.io/example/checkout-web:2.1.0',
  'ghcr.io/example/checkout-web:2.1.1',
];
const PRD = { mode: 'block', vulnerabilities: ['CRITICAL', 'HIGH'], fixableOnly: true, misconfigurations: [] } as const;

const deps: SecurityDeps = {
  run: createRunCommand(),
  trivyBin: TRIVY,
  config: {
    trivy: { cacheDir: join(CACHE, 'trivy', 'cache'), db: 'offline', timeoutSeconds: 120, maxReportBytes: 32 << 20 },
    images: { source: 'archive', archiveDir: join(CACHE, 'trivy', 'images') },
    gates: { prd: PRD },
  },
  roots: [],
  repoDir: join(__dirname, '..'),
  infraDir: join(__dirname, '..', 'infra'),
};

const ms = msSince;
const f1 = (n: number): string => n.toFixed(1);

async function product(ref: string): Promise<void> {
  const scan = await scanImage(deps, { ref });
  evaluateGate(scan, PRD, 'prd');
}

function trivyAlone(path: string): void {
  const args = ['image', '--format', 'json', '--quiet', '--skip-version-check', '--disable-telemetry'];
  args.push('--cache-backend', 'memory', '--scanners', 'vuln', '--cache-dir', deps.config.trivy.cacheDir);
  args.push('--skip-db-update', '--skip-java-db-update', '--offline-scan', '--input', path);
  const r = spawnSync(TRIVY, args, { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`trivy failed: ${r.stderr.toString()}`);
}

/** A trivy JSON report with n vulnerabilities over a few targets, severities and packages, a third without a fix. */
function bigReport(n: number): string {
  const sev: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
  const results = Array.from({ length: 10 }, (_, t) => ({
    Target: `app/node_modules/pkg-${t}/package.json`,
    Class: 'lang-pkgs',
    Type: 'node-pkg',
    Vulnerabilities: Array.from({ length: n / 10 }, (_, i) => ({
      VulnerabilityID: `CVE-2024-${String(t * 10000 + i).padStart(5, '0')}`,
      PkgName: `pkg-${t}-${i % 300}`,
      InstalledVersion: '1.0.0',
      ...(i % 3 ? { FixedVersion: '1.0.1' } : {}),
      Severity: sev[(i * 7 + t) % 5],
      Title: `a synthetic finding number ${i} in target ${t} with a title of typical length`,
      Description: 'x'.repeat(300),
      PrimaryURL: `https://avd.aquasec.com/nvd/cve-2024-${i}`,
    })),
  }));
  return JSON.stringify({ SchemaVersion: 2, Trivy: { Version: '0.74.0' }, ArtifactName: 'big', Results: results });
}

async function main(): Promise<void> {
  console.log(
    `bench:scan — trivy ${TRIVY}, DB ${deps.config.trivy.cacheDir}/db, ${ROUNDS} rounds × ${IMAGES.length} images`,
  );
  const paths = IMAGES.map((ref) => {
    const s = imageSource(deps.config, ref);
    if (s.kind !== 'archive') throw new Error('expected an archive');
    return s.path;
  });
  // Warm-up: page cache and trivy's first start.
  await product(IMAGES[0]!);
  trivyAlone(paths[0]!);
  let tProduct = 0;
  let tTrivy = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < IMAGES.length; i++) {
      const runProduct = async (): Promise<void> => {
        const t0 = process.hrtime.bigint();
        await product(IMAGES[i]!);
        tProduct += ms(t0);
      };
      const runTrivy = (): void => {
        const t0 = process.hrtime.bigint();
        trivyAlone(paths[i]!);
        tTrivy += ms(t0);
      };
      if ((round + i) % 2 === 0) {
        await runProduct();
        runTrivy();
      } else {
        runTrivy();
        await runProduct();
      }
    }
  }
  const n = ROUNDS * IMAGES.length;
  const ratio = tProduct / tTrivy;
  console.log(`\n${n} image scans`);
  console.log(`  trivy alone           ${f1(tTrivy)} ms total, ${f1(tTrivy / n)} ms per image`);
  console.log(`  product (activity+gate) ${f1(tProduct)} ms total, ${f1(tProduct / n)} ms per image`);
  console.log(`  ratio ${ratio.toFixed(3)}× (goal ≤ 1.2×): ${ratio <= 1.2 ? 'MET' : 'NOT MET'}`);

  const report = bigReport(10_000);
  console.log(`\nsummarising a 10,000-finding report (${f1(report.length / 1024 / 1024)} MB of JSON), 5 runs`);
  let tParse = 0;
  let tSummary = 0;
  let worst = 0;
  const rss0 = process.memoryUsage().rss;
  let rssPeak = rss0;
  for (let k = 0; k < 5; k++) {
    let t0 = process.hrtime.bigint();
    JSON.parse(report);
    tParse += ms(t0);
    t0 = process.hrtime.bigint();
    const scan = parseTrivyReport(report, { target: 'big', artifact: 'image' });
    summarise(scan.findings);
    evaluateGate(scan, PRD, 'prd');
    renderScan(scan);
    const t = ms(t0);
    tSummary += t;
    worst = Math.max(worst, t);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (scan.total !== 10_000) throw new Error(`counted ${scan.total} findings, not 10000`);
  }
  console.log(`  JSON.parse alone      ${f1(tParse / 5)} ms mean`);
  console.log(`  product (parse+model+summary+gate+render) ${f1(tSummary / 5)} ms mean, ${f1(worst)} ms worst`);
  console.log(`  RSS ${f1(rss0 / 1048576)} MB before, ${f1(rssPeak / 1048576)} MB peak`);
  console.log(`  goal < 300 ms: ${worst < 300 ? 'MET' : 'NOT MET'}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
