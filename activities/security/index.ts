import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Context } from '@temporalio/activity';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { ImageSource, TrivyDeps } from '../../adapters/cli/trivy';
import { trivyConfig, trivyImage } from '../../adapters/cli/trivy';
import { InvalidInput } from '../../core/errors';
import type { SecurityGateInput, SecurityGateResult } from '../../core/rollout/types';
import type { SecurityConfig } from '../../core/security/config';
import type { ScanResult } from '../../core/security/findings';
import { countsText } from '../../core/security/findings';
import type { WaiverStore } from '../../core/security/waivers';
import { waiverExcuse } from '../../core/security/waivers';
import { evaluateGate, REPORT_ONLY, ruleText } from '../../core/security/gate';
import { parseImageRef } from '../../core/security/image-ref';

/** What the security activities need (worker/compose.ts builds it from config `security`). */
export interface SecurityDeps {
  readonly run: RunCommand;
  readonly trivyBin: string;
  readonly config: SecurityConfig;
  /** Folders `scan config` may read: the config's roots (absolute). */
  readonly roots: readonly string[];
  /** Relative paths are read against this (the folder holding infraDir, i.e. the repository), then infraDir. */
  readonly repoDir: string;
  readonly infraDir: string;
  /** The waivers the rollout gate applies (core/security/waivers.ts); absent: none apply. */
  readonly waivers?: WaiverStore;
  readonly now?: () => Date;
}

export interface ScanImageInput {
  readonly ref: string;
  /** Pack every finding for the full report (the scan commands); the gate, rescans and waivers need the worst only. */
  readonly everyFinding?: boolean;
}
export interface ScanConfigInput {
  readonly path: string;
  readonly everyFinding?: boolean;
}

function trivyDeps(deps: SecurityDeps, everyFinding = false): TrivyDeps {
  const t = deps.config.trivy;
  return {
    everyFinding,
    run: deps.run,
    bin: deps.trivyBin,
    cacheDir: t.cacheDir,
    db:
      t.db === 'mirror'
        ? { mode: 'mirror', repository: t.dbRepository ?? '' }
        : t.db === 'offline'
          ? { mode: 'offline' }
          : { mode: 'online' },
    timeoutMs: t.timeoutSeconds * 1000,
    maxReportBytes: t.maxReportBytes,
  };
}

/**
 * Where an image comes from: in the sandbox (images.source archive) the tarball the bootstrap assembled,
 * `<archiveDir>/<registry>/<repository>/<tag>.tar`; in real use the registry itself.
 */
export function imageSource(config: SecurityConfig, ref: string): ImageSource {
  const r = parseImageRef(ref);
  if (config.images.source === 'registry') return { kind: 'registry' };
  const dir = config.images.archiveDir;
  if (!r.tag) throw new InvalidInput(`image: '${ref}' names a digest; the sandbox's image archives are found by tag`);
  const path = join(dir, r.registry, r.repository, `${r.tag}.tar`);
  if (!existsSync(path)) {
    const have = listArchives(dir);
    throw new InvalidInput(
      `image: the sandbox has no archive for ${ref} (looked for ${path}). ` +
        (have.length
          ? `It has: ${have.join(', ')}.`
          : 'It has none: build them with bash sandbox/bootstrap.sh trivy-data.'),
    );
  }
  return { kind: 'archive', path };
}

function listArchives(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(dir, prefix));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort()) {
    const rel = prefix ? `${prefix}/${e}` : e;
    if (e.endsWith('.tar')) out.push(`${prefix}:${e.slice(0, -4)}`);
    else if (statSync(join(dir, rel)).isDirectory()) out.push(...listArchives(dir, rel));
  }
  return out.slice(0, 20);
}

function signal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Scans one image for vulnerabilities. Fails (never passes) when trivy or its DB cannot do the scan. */
export async function scanImage(deps: SecurityDeps, input: ScanImageInput): Promise<ScanResult> {
  const source = imageSource(deps.config, input.ref);
  return trivyImage(trivyDeps(deps, input.everyFinding), parseImageRef(input.ref).ref, source, signal());
}

/**
 * `trivy config` over a file or folder inside the configured roots: written relative to the repository
 * (`infra/helm/charts/sample-app`) or to infraDir (`cloudformation/00-foundation/vpc.yaml`), as `validate` reads
 * paths. Absolute paths, `..` and anything (symlinks followed) outside every root are refused.
 */
export async function scanConfig(deps: SecurityDeps, input: ScanConfigInput): Promise<ScanResult> {
  const full = resolveScanPath(deps, input.path);
  return trivyConfig(trivyDeps(deps, input.everyFinding), full, input.path, signal());
}

export function resolveScanPath(deps: Pick<SecurityDeps, 'roots' | 'repoDir' | 'infraDir'>, path: string): string {
  const p = path.trim();
  const hint = 'give a path inside the repository, e.g. infra/helm/charts/sample-app or infra/cloudformation';
  if (!p || isAbsolute(p) || p.startsWith('~') || p.split(/[\\/]/).includes('..'))
    throw new InvalidInput(`path: '${p}' must be relative, without .. or ~; ${hint}`);
  const candidates = [resolve(deps.repoDir, p), resolve(deps.infraDir, p)];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new InvalidInput(`path: '${p}' does not exist (looked in ${deps.repoDir} and ${deps.infraDir}); ${hint}`);
  const real = realpathSync(found);
  const inside = deps.roots.some((root) => {
    let r: string;
    try {
      r = realpathSync(root);
    } catch {
      return false;
    }
    const rel = relative(r, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(sep));
  });
  if (!inside)
    throw new InvalidInput(`path: '${p}' is outside the folders scans may read (roots: ${deps.roots.join(', ')})`);
  return real;
}

/**
 * The rollout's security gate: scan the image and judge it by the environment's rule. Any failure to scan (no
 * archive, no DB, a corrupt DB, trivy failing) is a refusal that says why: the gate fails closed.
 */
export async function securityGateScan(deps: SecurityDeps, input: SecurityGateInput): Promise<SecurityGateResult> {
  const env = input.target.environment;
  const rule = deps.config.gates[env] ?? REPORT_ONLY;
  let scan: ScanResult;
  try {
    scan = await scanImage(deps, { ref: input.image });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      passed: false,
      provider: 'trivy',
      summary: `BLOCKED in ${env}: ${input.image} could not be scanned, and the gate fails closed: ${why}`,
      verdict: 'error',
      rule: ruleText(rule),
    };
  }
  // Waivers are read here, in the activity: the workflow only sees the verdict. Only this environment's waivers for
  // this very digest count, unexpired, and never the rollout requester's own.
  const waivers =
    deps.waivers && scan.digest ? (await deps.waivers.list(env)).filter((w) => w.digest === scan.digest) : [];
  const decision = waiverExcuse(waivers, (deps.now ?? (() => new Date()))(), input.requester);
  const v = evaluateGate(scan, rule, env, decision.excuse);
  const notApplied = decision.notApplied();
  return {
    ...judged(rule, scan, v),
    ...(v.excused.length ? { waived: v.excused.map((e) => `${e.finding.id} ${e.finding.severity} ${e.why}`) } : {}),
    ...(notApplied.length ? { waiversNotApplied: notApplied } : {}),
    ...(scan.digest ? { digest: scan.digest } : {}),
    ...(scan.db?.updatedAt ? { dbUpdatedAt: scan.db.updatedAt } : {}),
  };
}

export interface StackConfigGateInput {
  readonly templatePath: string;
  readonly environment: SecurityGateInput['target']['environment'];
}

/**
 * A stack deploy's `trivy config` gate: the template (a catalog template, already inside the roots) judged by the
 * environment's misconfiguration threshold. Off (pass-through, nothing run) without security.scanStackTemplates.
 * Like the rollout's gate it fails closed: a template trivy cannot check is BLOCKED, saying why.
 */
export async function stackConfigGate(
  deps: SecurityDeps | undefined,
  input: StackConfigGateInput,
): Promise<SecurityGateResult> {
  const shown = deps ? relative(deps.repoDir, input.templatePath) || input.templatePath : input.templatePath;
  if (!deps?.config.scanStackTemplates)
    return { passed: true, provider: 'pass-through', summary: `trivy config: ${shown} was NOT checked` };
  const env = input.environment;
  const rule = deps.config.gates[env] ?? REPORT_ONLY;
  let scan: ScanResult;
  try {
    scan = await trivyConfig(trivyDeps(deps), input.templatePath, shown, signal());
  } catch (e) {
    return {
      passed: false,
      provider: 'trivy',
      summary: `BLOCKED in ${env}: ${shown} could not be checked by trivy config, and the gate fails closed: ${e instanceof Error ? e.message : String(e)}`,
      verdict: 'error',
      rule: ruleText(rule),
    };
  }
  return judged(rule, scan, evaluateGate(scan, rule, env));
}

/** The part of a gate's result every trivy gate shares: verdict, rule, counts and the worst findings. */
function judged(
  rule: Parameters<typeof ruleText>[0],
  scan: ScanResult,
  v: ReturnType<typeof evaluateGate>,
): SecurityGateResult {
  return {
    passed: v.passed,
    provider: 'trivy',
    summary: v.summary,
    verdict: rule.mode === 'report' ? 'report' : v.passed ? 'passed' : 'blocked',
    rule: ruleText(rule),
    counts: countsText(scan.counts),
    worst: v.worst,
  };
}

export function createSecurityActivities(deps: SecurityDeps | undefined) {
  const need = (): SecurityDeps => {
    if (!deps)
      throw new InvalidInput(
        'scans need a security section in the config (security.trivy, security.images); see docs/security.md',
      );
    return deps;
  };
  return {
    // The scan commands' activities: their answer carries every finding for the full report.
    scanImage: (i: ScanImageInput) => scanImage(need(), { ...i, everyFinding: true }),
    scanConfig: (i: ScanConfigInput) => scanConfig(need(), { ...i, everyFinding: true }),
    stackConfigGate: (i: StackConfigGateInput) => stackConfigGate(deps, i),
  };
}
