import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CfnGuardFailed, cfnGuardVersion, guardRuleNames, runCfnGuard } from '../../adapters/cli/cfn-guard';
import type { CfnGuardResult } from '../../adapters/cli/cfn-guard';
import { cfnLintVersion, runCfnLint } from '../../adapters/cli/cfn-lint';
import type { RunCommand } from '../../adapters/cli/run-command';
import { parseCfnTemplate } from '../../core/compliance/cfn-template';
import type { CfnTemplate } from '../../core/compliance/cfn-template';
import { controlOfRule } from '../../core/compliance/controls';
import { findMissingTags } from '../../core/compliance/mandatory-tags';
import type { GuardRuleResult, ValidationFinding, ValidationReport } from '../../core/validation';
import { hasBlockingFindings } from '../../core/validation';

/** What template validation needs from the outside world. */
export interface ValidateDeps {
  readonly run: RunCommand;
  readonly cfnLintBin: string;
  readonly cfnGuardBin: string;
  /** Directory of `.guard` rules (infra/cfn-guard-rules/nist-800-53). */
  readonly rulesDir: string;
  /** Where results are cached by content hash (the composition root picks it). */
  readonly cacheDir: string;
  /** Relative template paths are resolved against this. Default: the process working directory. */
  readonly baseDir?: string;
}

/** Input of validateTemplates. */
export interface ValidateTemplatesInput {
  /** Template paths; findings name files exactly as given here. */
  readonly files: readonly string[];
  /** Environment the templates are headed for. Recorded in workflow history; the checks are the same for all. */
  readonly environment?: string;
}

/** The validation activities. */
export interface ValidateActivities {
  validateTemplates(input: ValidateTemplatesInput): Promise<ValidationReport>;
}

/** Per-file tool results, as cached. */
interface ToolResults {
  readonly findings: ValidationFinding[];
  readonly ruleResults: GuardRuleResult[];
}

interface Target {
  readonly name: string;
  readonly path: string;
  readonly template: CfnTemplate;
  readonly cacheKey: string;
}

const CACHE_FORMAT = 1;

/**
 * Builds the validation activity: cfn-lint, cfn-guard (NIST rules) and the mandatory-tags check over many
 * templates, each tool run once for all files whose results are not cached yet.
 */
export function createValidateActivities(deps: ValidateDeps): ValidateActivities {
  const cache = deps.cacheDir;
  const base = deps.baseDir ?? process.cwd();
  return {
    async validateTemplates(input) {
      const [rules, toolsId] = await Promise.all([readRules(deps.rulesDir), toolIdentity(deps)]);
      // Cached when warm; when cold, asking the versions overlaps with the real runs.
      const versions = toolVersions(deps, cache, toolsId);
      const findings: ValidationFinding[] = [];
      const targets: Target[] = [];
      for (const name of input.files) {
        const loaded = await loadTemplate(name, resolve(base, name), `${rules.hash}:${toolsId}`);
        if ('finding' in loaded) findings.push(loaded.finding);
        else targets.push(loaded);
      }
      const [results, toolVersionsFound] = await Promise.all([resultsFor(targets, deps, rules.names, cache), versions]);
      for (const target of targets) findings.push(...tagFindings(target));
      return buildReport(input.files, [...findings, ...results.findings], results.ruleResults, toolVersionsFound);
    },
  };
}

async function loadTemplate(
  name: string,
  path: string,
  salt: string,
): Promise<Target | { finding: ValidationFinding }> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (e) {
    return { finding: parseFinding(name, `cannot read template: ${(e as Error).message}`) };
  }
  const parsed = parseCfnTemplate(source);
  if (!parsed.ok) return { finding: parseFinding(name, parsed.reason) };
  return {
    name,
    path,
    template: parsed.template,
    cacheKey: sha256(JSON.stringify([CACHE_FORMAT, name, source, salt])),
  };
}

function parseFinding(file: string, message: string, rule = 'TemplateParse'): ValidationFinding {
  return { source: 'parse', file, rule, message, severity: 'error' };
}

/** Cached results for unchanged files; one cfn-lint and one cfn-guard process for all the others. */
async function resultsFor(
  targets: Target[],
  deps: ValidateDeps,
  ruleNames: string[],
  cache: string,
): Promise<ToolResults> {
  const cached = await Promise.all(targets.map((t) => readCache(cache, t.cacheKey)));
  const misses = targets.filter((_, i) => cached[i] === undefined);
  const fresh = await runTools(misses, deps, ruleNames);
  await Promise.all(misses.map((t) => writeCache(cache, t.cacheKey, fresh.get(t.name) ?? empty())));
  const all = targets.map((t, i) => cached[i] ?? fresh.get(t.name) ?? empty());
  return { findings: all.flatMap((r) => r.findings), ruleResults: all.flatMap((r) => r.ruleResults) };
}

async function runTools(targets: Target[], deps: ValidateDeps, ruleNames: string[]): Promise<Map<string, ToolResults>> {
  const byPath = new Map(targets.map((t) => [t.path, t.name]));
  const displayName = (p: string): string => byPath.get(p) ?? byPath.get(resolve(p)) ?? p;
  const files = targets.map((t) => t.path);
  const [lint, guard] = await Promise.all([
    runCfnLint({ run: deps.run, bin: deps.cfnLintBin, files, displayName }),
    guardWithFallback(deps, ruleNames, files, displayName),
  ]);
  const out = new Map<string, ToolResults>(targets.map((t) => [t.name, empty()]));
  for (const f of [...lint, ...guard.findings]) (out.get(f.file) ?? orphan(out, f.file)).findings.push(f);
  for (const r of guard.ruleResults) (out.get(r.file) ?? orphan(out, r.file)).ruleResults.push(r);
  return out;
}

function orphan(out: Map<string, ToolResults>, file: string): ToolResults {
  const entry = empty();
  out.set(file, entry);
  return entry;
}

/**
 * cfn-guard stops the whole run at the first data file it cannot parse (exit 255), and its YAML parser is
 * stricter than ours; then each file is run alone so one bad file becomes a finding instead of hiding the rest.
 */
async function guardWithFallback(
  deps: ValidateDeps,
  ruleNames: string[],
  files: string[],
  displayName: (p: string) => string,
): Promise<CfnGuardResult> {
  const guard = (batch: string[]): Promise<CfnGuardResult> =>
    runCfnGuard({
      run: deps.run,
      bin: deps.cfnGuardBin,
      rulesDir: deps.rulesDir,
      ruleNames,
      files: batch,
      displayName,
      controlOf: controlOfRule,
    });
  try {
    return await guard(files);
  } catch (e) {
    if (!(e instanceof CfnGuardFailed) || e.exitCode !== 255) throw e;
  }
  const findings: ValidationFinding[] = [];
  const ruleResults: GuardRuleResult[] = [];
  for (const file of files) {
    try {
      const one = await guard([file]);
      findings.push(...one.findings);
      ruleResults.push(...one.ruleResults);
    } catch (e) {
      if (!(e instanceof CfnGuardFailed) || e.exitCode !== 255) throw e;
      findings.push(
        parseFinding(displayName(file), `cfn-guard cannot parse this template: ${e.message}`, 'GuardParse'),
      );
    }
  }
  return { findings, ruleResults };
}

function tagFindings(target: Target): ValidationFinding[] {
  return findMissingTags(target.template).map((m) => ({
    source: 'tags',
    file: target.name,
    control: 'CM-8',
    resource: m.resource,
    rule: 'MandatoryTags',
    message: `${m.type} lacks mandatory tags in ${m.where}: ${m.missing.join(', ')}`,
    severity: 'error',
  }));
}

function buildReport(
  files: readonly string[],
  findings: ValidationFinding[],
  ruleResults: GuardRuleResult[],
  toolVersions: Record<string, string>,
): ValidationReport {
  const sortedFindings = [...findings].sort((a, b) => findingKey(a).localeCompare(findingKey(b)));
  const sortedResults = [...ruleResults].sort((a, b) => `${a.file}\0${a.rule}`.localeCompare(`${b.file}\0${b.rule}`));
  return {
    files: [...files],
    findings: sortedFindings,
    ruleResults: sortedResults,
    passed: !hasBlockingFindings(findings),
    toolVersions,
  };
}

function findingKey(f: ValidationFinding): string {
  return [f.file, f.source, f.rule, f.resource ?? '', f.message].join('\0');
}

async function readRules(dir: string): Promise<{ hash: string; names: string[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.guard')).sort();
  const sources = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return {
    hash: sha256(JSON.stringify(files.map((f, i) => [f, sources[i]]))),
    names: sources.flatMap((s) => guardRuleNames(s)),
  };
}

/** Identifies the installed tools without running them (a warm run must start no process): path, size, mtime. */
async function toolIdentity(deps: ValidateDeps): Promise<string> {
  const ids = await Promise.all(
    [deps.cfnLintBin, deps.cfnGuardBin].map(async (bin) => {
      try {
        const real = await realpath(bin);
        const s = await stat(real);
        return `${real}:${s.size}:${s.mtimeMs}`;
      } catch {
        return `${bin}:missing`;
      }
    }),
  );
  return sha256(ids.join('|'));
}

async function toolVersions(deps: ValidateDeps, cache: string, toolsId: string): Promise<Record<string, string>> {
  const key = `versions-${toolsId}`;
  const cached = await readJson<Record<string, string>>(join(cache, `${key}.json`));
  if (cached) return cached;
  const [lint, guard] = await Promise.all([
    cfnLintVersion(deps.run, deps.cfnLintBin),
    cfnGuardVersion(deps.run, deps.cfnGuardBin),
  ]);
  const versions = { 'cfn-guard': guard, 'cfn-lint': lint };
  await writeJson(cache, key, versions);
  return versions;
}

async function readCache(cache: string, key: string): Promise<ToolResults | undefined> {
  const entry = await readJson<ToolResults & { format: number }>(join(cache, `${key}.json`));
  return entry?.format === CACHE_FORMAT ? { findings: entry.findings, ruleResults: entry.ruleResults } : undefined;
}

async function writeCache(cache: string, key: string, results: ToolResults): Promise<void> {
  await writeJson(cache, key, { format: CACHE_FORMAT, ...results });
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

// Write-then-rename so a concurrent reader never sees half a file.
async function writeJson(dir: string, key: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${key}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, join(dir, `${key}.json`));
}

function empty(): ToolResults {
  return { findings: [], ruleResults: [] };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
