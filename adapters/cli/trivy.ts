import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InvalidInput, ToolMissing } from '../../core/errors';
import type { Finding, ScanDb, ScanResult } from '../../core/security/findings';
import {
  compareFindings,
  emptyCounts,
  MAX_FINDINGS_KEPT,
  MAX_REST_BYTES,
  toSeverity,
} from '../../core/security/findings';
import type { RunCommand } from './run-command';

/**
 * Where trivy's vulnerability DB comes from. `offline`: the DB already in `<cacheDir>/db` (the sandbox's, built by
 * the bootstrap; a scan never updates it). `online`: trivy's normal download from its registry. `mirror`: the same
 * download from another OCI registry (`--db-repository`).
 */
export type TrivyDbSource =
  { readonly mode: 'offline' } | { readonly mode: 'online' } | { readonly mode: 'mirror'; readonly repository: string };

export interface TrivyDeps {
  readonly run: RunCommand;
  readonly bin: string;
  /** trivy's --cache-dir: the vulnerability DB lives in `<cacheDir>/db`. */
  readonly cacheDir: string;
  readonly db: TrivyDbSource;
  readonly timeoutMs: number;
  /** The largest JSON report read; a larger one is refused with a clear error, never half-parsed. */
  readonly maxReportBytes: number;
  /** Pack every finding beyond the kept ones into the result's `rest` (the scan commands' full report). */
  readonly everyFinding?: boolean;
}

/** An image to scan: an image tarball (OCI layout / docker save) or a registry ref trivy pulls itself. */
export type ImageSource = { readonly kind: 'archive'; readonly path: string } | { readonly kind: 'registry' };

/** The arguments every trivy run of ours takes: JSON out, quiet, offline-friendly (the sandbox's report writer too). */
export const TRIVY_COMMON_ARGS: readonly string[] = [
  '--format',
  'json',
  '--quiet',
  '--skip-version-check',
  '--disable-telemetry',
  '--cache-backend',
  'memory',
];

function dbArgs(db: TrivyDbSource): string[] {
  switch (db.mode) {
    case 'offline':
      return ['--skip-db-update', '--skip-java-db-update', '--offline-scan'];
    case 'online':
      return ['--skip-java-db-update'];
    case 'mirror':
      return ['--skip-java-db-update', '--db-repository', db.repository];
  }
}

/**
 * The offline DB must be there and readable before a scan: trivy run with --skip-db-update and no DB fails
 * anyway, but this says what to do. Metadata says which DB a result came from.
 */
export function readOfflineDb(cacheDir: string): ScanDb {
  const dir = join(cacheDir, 'db');
  const fix = 'build it with: bash sandbox/bootstrap.sh trivy-data (or set security.trivy.db to online or mirror)';
  let size = 0;
  try {
    size = statSync(join(dir, 'trivy.db')).size;
  } catch {
    throw new ToolMissing(`trivy's vulnerability DB is missing: no ${join(dir, 'trivy.db')}; ${fix}`);
  }
  if (size === 0) throw new ToolMissing(`trivy's vulnerability DB ${join(dir, 'trivy.db')} is empty; ${fix}`);
  let meta: { Version?: unknown; UpdatedAt?: unknown };
  try {
    meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as typeof meta;
  } catch (e) {
    throw new ToolMissing(
      `trivy's vulnerability DB metadata ${join(dir, 'metadata.json')} is missing or not JSON (${(e as Error).message}); ${fix}`,
    );
  }
  if (meta.Version !== 2)
    throw new ToolMissing(`trivy's vulnerability DB has schema ${String(meta.Version)}, trivy v0.74 reads 2; ${fix}`);
  return {
    source: 'offline',
    schemaVersion: 2,
    ...(typeof meta.UpdatedAt === 'string' ? { updatedAt: meta.UpdatedAt } : {}),
  };
}

/** `trivy image` over one image: its vulnerabilities (OS packages and app dependencies), parsed. */
export async function trivyImage(
  deps: TrivyDeps,
  ref: string,
  source: ImageSource,
  signal?: AbortSignal,
): Promise<ScanResult> {
  const db = deps.db.mode === 'offline' ? readOfflineDb(deps.cacheDir) : { source: deps.db.mode };
  const target = source.kind === 'archive' ? ['--input', source.path] : ['--image-src', 'remote', '--', ref];
  const args = [
    'image',
    ...TRIVY_COMMON_ARGS,
    '--scanners',
    'vuln',
    '--cache-dir',
    deps.cacheDir,
    ...dbArgs(deps.db),
    ...target,
  ];
  const stdout = await runTrivy(deps, args, `scanning image ${ref}`, signal);
  return parseTrivyReport(stdout, { target: ref, artifact: 'image', db, everyFinding: deps.everyFinding === true });
}

/** `trivy config` over a file or folder: Kubernetes YAML, Helm charts, CloudFormation, Dockerfiles. */
export async function trivyConfig(
  deps: TrivyDeps,
  path: string,
  shownAs: string,
  signal?: AbortSignal,
): Promise<ScanResult> {
  const args = ['config', ...TRIVY_COMMON_ARGS, '--skip-check-update', '--cache-dir', deps.cacheDir, '--', path];
  const stdout = await runTrivy(deps, args, `checking ${shownAs}`, signal);
  return parseTrivyReport(stdout, {
    target: shownAs,
    artifact: 'config',
    displayRoot: shownAs,
    everyFinding: deps.everyFinding === true,
  });
}

async function runTrivy(deps: TrivyDeps, args: string[], what: string, signal?: AbortSignal): Promise<string> {
  const result = await deps.run({
    file: deps.bin,
    args,
    timeoutMs: deps.timeoutMs,
    // One byte over the limit is enough to know the report is too large.
    maxOutputBytes: deps.maxReportBytes + 1,
    ...(signal ? { signal } : {}),
  });
  // run-command keeps output only up to the cap: a truncated run means a report over the limit.
  if (result.truncated) {
    throw new InvalidInput(
      `trivy's report for ${what} is larger than ${mb(deps.maxReportBytes)} (security.trivy.maxReportMB); ` +
        'nothing of it was used. Scan a smaller target, or raise the limit.',
    );
  }
  if (result.exitCode !== 0) {
    const reason = trivyError(result.stderr);
    if (/vulnerability DB|trivy\.db|metadata|bolt|database|--skip-db-update/i.test(reason)) {
      throw new ToolMissing(
        `trivy could not use its vulnerability DB while ${what}: ${reason}. The scan did not happen; ` +
          'rebuild the DB with: bash sandbox/bootstrap.sh trivy-data',
      );
    }
    throw new InvalidInput(`trivy failed while ${what} (exit code ${result.exitCode}): ${reason}`);
  }
  return result.stdout;
}

/** trivy's own error line (`FATAL	Fatal error	...`), without its log prefix. */
function trivyError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  const fatal = lines.find((l) => /FATAL|ERROR/.test(l)) ?? lines[lines.length - 1] ?? '';
  const tail = lines.slice(lines.indexOf(fatal) + 1, lines.indexOf(fatal) + 3).map((l) => l.trim());
  return [fatal.replace(/^\S+\s+(FATAL|ERROR)\s+(Fatal error\s+)?/, ''), ...tail]
    .join(' ')
    .replace(/\s+/g, ' ')
    .slice(0, 600);
}

function mb(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

interface TrivyVuln {
  VulnerabilityID?: string;
  PkgName?: string;
  InstalledVersion?: string;
  FixedVersion?: string;
  Severity?: string;
  Title?: string;
  Description?: string;
  PrimaryURL?: string;
}
interface TrivyMisconf {
  ID?: string;
  AVDID?: string;
  Title?: string;
  Message?: string;
  Severity?: string;
  Status?: string;
  PrimaryURL?: string;
  CauseMetadata?: { Resource?: string };
}
interface TrivySecret {
  RuleID?: string;
  Title?: string;
  Severity?: string;
  StartLine?: number;
}
interface TrivyReport {
  Trivy?: { Version?: string };
  Metadata?: { ImageID?: string; OS?: { Family?: string; Name?: string } };
  Results?: {
    Target?: string;
    Vulnerabilities?: TrivyVuln[] | null;
    Misconfigurations?: TrivyMisconf[] | null;
    Secrets?: TrivySecret[] | null;
  }[];
}

/**
 * Parses `trivy ... --format json` into the findings model. Every finding is counted; the worst MAX_FINDINGS_KEPT
 * are kept. Anything that is not trivy's JSON report is a clear error, never an empty (passing) result.
 */
export function parseTrivyReport(
  stdout: string,
  about: { target: string; artifact: 'image' | 'config'; db?: ScanDb; displayRoot?: string; everyFinding?: boolean },
): ScanResult {
  let report: TrivyReport;
  try {
    report = JSON.parse(stdout) as TrivyReport;
  } catch (e) {
    throw new InvalidInput(
      `trivy's output for ${about.target} is not its JSON report (${(e as Error).message}); first bytes: ` +
        JSON.stringify(stdout.slice(0, 120)),
    );
  }
  if (typeof report !== 'object' || report === null || (report.Results !== undefined && !Array.isArray(report.Results)))
    throw new InvalidInput(`trivy's output for ${about.target} is JSON but not a trivy report (no Results list)`);
  const counts = emptyCounts();
  let kept: Finding[] = [];
  let total = 0;
  const add = (f: Finding): void => {
    counts[f.severity] += 1;
    total += 1;
    kept.push(f);
    // Bounded memory for huge reports: trim to the worst MAX_FINDINGS_KEPT now and then (unless all are wanted).
    if (!about.everyFinding && kept.length >= MAX_FINDINGS_KEPT * 4)
      kept = kept.sort(compareFindings).slice(0, MAX_FINDINGS_KEPT);
  };
  for (const r of report.Results ?? []) {
    const target = shownTarget(r.Target ?? about.target, about.displayRoot, about.target);
    for (const v of r.Vulnerabilities ?? []) {
      add({
        source: 'trivy',
        kind: 'vuln',
        id: v.VulnerabilityID ?? '(no id)',
        severity: toSeverity(v.Severity),
        title: v.Title ?? firstSentence(v.Description) ?? v.VulnerabilityID ?? '',
        target,
        ...(v.PkgName ? { pkg: v.PkgName } : {}),
        ...(v.InstalledVersion ? { installed: v.InstalledVersion } : {}),
        ...(v.FixedVersion ? { fixed: v.FixedVersion } : {}),
        ...(v.PrimaryURL ? { url: v.PrimaryURL } : {}),
      });
    }
    for (const m of r.Misconfigurations ?? []) {
      if (m.Status && m.Status !== 'FAIL') continue;
      add({
        source: 'trivy',
        kind: 'misconfig',
        id: m.AVDID ?? m.ID ?? '(no id)',
        severity: toSeverity(m.Severity),
        title: m.Message ? `${m.Title ?? ''}: ${m.Message}`.replace(/^: /, '') : (m.Title ?? ''),
        target,
        ...(m.CauseMetadata?.Resource ? { resource: m.CauseMetadata.Resource } : {}),
        ...(m.PrimaryURL ? { url: m.PrimaryURL } : {}),
      });
    }
    for (const s of r.Secrets ?? []) {
      add({
        source: 'trivy',
        kind: 'secret',
        id: s.RuleID ?? '(no id)',
        severity: toSeverity(s.Severity),
        // Never the matched text: a secret's value stays out of chat, logs and history.
        title: `${s.Title ?? 'secret'}${s.StartLine ? ` (line ${s.StartLine})` : ''}`,
        target,
      });
    }
  }
  kept.sort(compareFindings);
  const findings = kept.slice(0, MAX_FINDINGS_KEPT);
  const rest = about.everyFinding && kept.length > findings.length ? packRest(kept.slice(findings.length)) : undefined;
  const os = report.Metadata?.OS?.Family ? `${report.Metadata.OS.Family} ${report.Metadata.OS.Name ?? ''}`.trim() : '';
  return {
    target: about.target,
    artifact: about.artifact,
    ...(report.Metadata?.ImageID ? { digest: report.Metadata.ImageID } : {}),
    ...(os ? { os } : {}),
    findings,
    counts,
    total,
    truncated: total > findings.length,
    ...(about.db ? { db: about.db } : {}),
    scanner: { name: 'trivy', ...(report.Trivy?.Version ? { version: report.Trivy.Version } : {}) },
    scannedAt: new Date().toISOString(),
    ...(rest ? { rest } : {}),
  };
}

/** The findings beyond the kept ones, gzipped JSON in base64; undefined when even packed they exceed MAX_REST_BYTES. */
function packRest(rest: readonly Finding[]): ScanResult['rest'] {
  const gzipBase64 = gzipSync(JSON.stringify(rest)).toString('base64');
  return gzipBase64.length <= MAX_REST_BYTES ? { gzipBase64, count: rest.length } : undefined;
}

/** trivy names an archive's OS target by the tarball's path; the person asked about the ref. */
function shownTarget(target: string, root: string | undefined, asked: string): string {
  if (/\.tar \(/.test(target)) return `${asked} (${target.slice(target.indexOf('(') + 1, -1)})`;
  // trivy config names files relative to the folder it was given: show them under the path the person asked about.
  if (root !== undefined)
    return asked === target || asked.endsWith(`/${target}`) ? asked : `${asked.replace(/\/$/, '')}/${target}`;
  return target;
}

function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const s = text.replace(/^Issue summary:\s*/, '').split(/(?<=\.)\s/)[0] ?? text;
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
