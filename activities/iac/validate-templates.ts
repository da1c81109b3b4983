import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, normalize, resolve } from 'node:path';
import { GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClientFactory } from '../../adapters/aws/clients';
import { InvalidInput, StackNotFound } from '../../core/errors';
import { CfnGuardFailed, cfnGuardVersion, guardRuleNames, runCfnGuard } from '../../adapters/cli/cfn-guard';
import type { CfnGuardResult } from '../../adapters/cli/cfn-guard';
import { cfnLintVersion, runCfnLint } from '../../adapters/cli/cfn-lint';
import { processTemplates } from '../../adapters/cli/cfn-process';
import type { ProcessedTemplate } from '../../adapters/cli/cfn-process';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { AuditLog } from '../../core/audit';
import { isRecord, parseCfnTemplate } from '../../core/compliance/cfn-template';
import type { CfnTemplate } from '../../core/compliance/cfn-template';
import { controlOfRule } from '../../core/compliance/controls';
import {
  applySuppressions,
  coveredTypes,
  dedupeFindings,
  describeBranch,
  iacVersionFinding,
  isDefaultOrganisation,
  isOrganisationRule,
  templateSuppressions,
  uncheckedResources,
} from '../../core/compliance/findings';
import type { TemplateSuppression } from '../../core/compliance/findings';
import { findMissingTags } from '../../core/compliance/mandatory-tags';
import type {
  GuardRuleResult,
  TemplateProcessing,
  UncheckedResource,
  ValidationFinding,
  ValidationPolicy,
  ValidationReport,
} from '../../core/validation';
import { DEFAULT_VALIDATION_POLICY, hasBlockingFindings } from '../../core/validation';

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
  /** Organisation policy and config suppressions (config `validation`). Default DEFAULT_VALIDATION_POLICY. */
  readonly policy?: ValidationPolicy;
  /** Where applied suppressions are recorded; absent: they are only listed in the report. */
  readonly audit?: AuditLog;
  /** AWS, for the current template of a deployed stack (GetTemplate); absent: such requests are refused. */
  readonly aws?: AwsClientFactory;
  /** Slack, for files shared with the bot (files.info + url_private); absent: such requests are refused. */
  readonly slackFiles?: SlackFileSource;
}

/** Downloads a file shared in Slack: its name and text. Throws InvalidInput when it is not one the bot can read. */
export interface SlackFileSource {
  download(fileId: string, maxBytes: number): Promise<{ readonly name: string; readonly content: string }>;
}

/** Input of validateTemplates. */
export interface ValidateTemplatesInput {
  /** Template paths or folders (absolute, or relative to baseDir); findings name files as given here. */
  readonly files: readonly string[];
  /** Environment the templates are headed for. Recorded in workflow history; the checks are the same for all. */
  readonly environment?: string;
  /** The current template of a deployed stack (GetTemplate, the template as submitted), validated as a file. */
  readonly deployed?: { readonly region: string; readonly stackName: string; readonly environment: string };
  /** A file shared with the bot in Slack (its file id, e.g. F0123ABCD). */
  readonly slackFile?: string;
  /** Who asked and under which id, for the audit record of applied suppressions. */
  readonly audit?: { readonly key: string; readonly actor: string; readonly operationId: string };
}

/** The validation activities. */
export interface ValidateActivities {
  validateTemplates(input: ValidateTemplatesInput): Promise<ValidationReport>;
}

/** Per-file tool results, as cached. */
interface ToolResults {
  readonly findings: ValidationFinding[];
  readonly ruleResults: GuardRuleResult[];
  readonly unchecked: UncheckedResource[];
  readonly suppressions: TemplateSuppression[];
  readonly processing?: TemplateProcessing;
}

interface Target {
  readonly name: string;
  readonly path: string;
  readonly template: CfnTemplate;
  readonly cacheKey: string;
  /** Transforms or conditions: checked on the processed template, one variant per condition branch. */
  readonly needsProcessing: boolean;
  readonly nested: string[];
}

interface Rules {
  readonly hash: string;
  readonly names: string[];
  readonly covered: ReturnType<typeof coveredTypes>;
}

const CACHE_FORMAT = 2;
/** Largest template read (CloudFormation's own limit for a template in S3 is 1 MB). */
export const MAX_TEMPLATE_BYTES = 2 * 1024 * 1024;
/** Most templates one request may expand to (a folder, nested stacks). */
export const MAX_TEMPLATES = 500;
const TEMPLATE_EXTENSIONS = /\.(ya?ml|json|template)$/i;

/**
 * Builds the validation activity: cfn-lint, cfn-guard (NIST rules) and the organisation checks over many
 * templates, each tool run once for all files whose results are not cached yet. Templates with transforms or
 * conditions are checked as CloudFormation processes them (see adapters/cli/cfn_process.py).
 */
export function createValidateActivities(deps: ValidateDeps): ValidateActivities {
  const cache = deps.cacheDir;
  const base = deps.baseDir ?? process.cwd();
  const policy = deps.policy ?? DEFAULT_VALIDATION_POLICY;
  return {
    async validateTemplates(input) {
      const [rules, toolsId] = await Promise.all([readRules(deps.rulesDir), toolIdentity(deps)]);
      // Cached when warm; when cold, asking the versions overlaps with the real runs.
      const versions = toolVersions(deps, cache, toolsId);
      const salt = sha256(JSON.stringify([rules.hash, toolsId, policy.organisation]));
      const findings: ValidationFinding[] = [];
      const targets: Target[] = [];
      const files: string[] = [];
      const fetched = await fetchRemote(deps, input);
      try {
        const queue = [...fetched.inputs, ...(await expandInputs(input.files, base, findings))];
        const seen = new Set<string>();
        while (queue.length > 0 && targets.length < MAX_TEMPLATES) {
          const next = queue.shift() as { name: string; path: string };
          const real = await realpath(next.path).catch(() => next.path);
          if (seen.has(real)) continue;
          seen.add(real);
          files.push(next.name);
          const loaded = await loadTemplate(next.name, next.path, salt);
          if ('finding' in loaded) findings.push(loaded.finding);
          else {
            targets.push(loaded);
            for (const child of loaded.nested)
              queue.push({ name: join(dirname(next.name), child), path: resolve(dirname(next.path), child) });
          }
        }
        const [results, toolVersionsFound] = await Promise.all([
          resultsFor(targets, deps, rules, policy, cache),
          versions,
        ]);
        const all = [...findings, ...results.findings].filter(
          // A different organisation policy than the guard rules encode: the configurable checks decide alone.
          (f) => isDefaultOrganisation(policy) || f.source !== 'cfn-guard' || !isOrganisationRule(f.rule),
        );
        const suppressions = new Map(targets.map((t, i) => [t.name, results.perTarget[i]?.suppressions ?? []]));
        const { findings: kept, suppressed } = applySuppressions(
          dedupeFindings(all),
          suppressions,
          policy.suppressions,
        );
        if (suppressed.length > 0 && deps.audit && input.audit) {
          await deps.audit.append({
            key: `${input.audit.key}/suppressed`,
            action: 'validated',
            actor: input.audit.actor,
            operationId: input.audit.operationId,
            environment: input.environment ?? '-',
            target: files.join(', ').slice(0, 500),
            details: {
              suppressed: suppressed.map((s) => ({
                file: s.finding.file,
                resource: s.finding.resource ?? null,
                rule: s.finding.rule,
                by: s.by,
                reason: s.reason,
              })),
            },
          });
        }
        return buildReport(files, kept, results, suppressed, toolVersionsFound);
      } finally {
        if (fetched.dir) await rm(fetched.dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Templates that are not files on the worker, written to a private temporary folder under the names findings use:
 * `stack <name> (<env>)` for a deployed stack, `slack:<id>/<file name>` for a Slack file.
 */
async function fetchRemote(
  deps: ValidateDeps,
  input: ValidateTemplatesInput,
): Promise<{ inputs: Array<{ name: string; path: string }>; dir?: string }> {
  if (!input.deployed && !input.slackFile) return { inputs: [] };
  const dir = await mkdtemp(join(tmpdir(), 'infra-agent-fetched-'));
  const inputs: Array<{ name: string; path: string }> = [];
  if (input.deployed) {
    const d = input.deployed;
    if (!deps.aws)
      throw new InvalidInput('this worker has no AWS access configured, so deployed stacks cannot be read');
    const client = deps.aws.cloudFormation({ region: d.region });
    const body = await client
      .send(new GetTemplateCommand({ StackName: d.stackName, TemplateStage: 'Original' }))
      .then((r) => r.TemplateBody ?? '')
      .catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        if (/does not exist/i.test(message))
          throw new StackNotFound(
            `stack ${d.stackName} does not exist in ${d.environment} (${d.region}): deploy it first`,
          );
        throw e;
      });
    const path = join(dir, 'deployed.template');
    await writeFile(path, body, { mode: 0o600 });
    inputs.push({ name: `stack ${d.stackName} (${d.environment})`, path });
  }
  if (input.slackFile) {
    if (!deps.slackFiles) throw new InvalidInput('this worker has no Slack connection, so Slack files cannot be read');
    const file = await deps.slackFiles.download(input.slackFile, MAX_TEMPLATE_BYTES);
    const safe = basename(file.name).replace(/[^\w.@+=,-]/g, '_') || 'template';
    await mkdir(join(dir, input.slackFile), { recursive: true, mode: 0o700 });
    const path = join(dir, input.slackFile, safe);
    await writeFile(path, file.content, { mode: 0o600 });
    inputs.push({ name: `slack:${input.slackFile}/${safe}`, path });
  }
  return { inputs, dir };
}

/** Folders become the templates under them; a path that is neither a file nor a folder is a finding. */
async function expandInputs(
  names: readonly string[],
  base: string,
  findings: ValidationFinding[],
): Promise<Array<{ name: string; path: string }>> {
  const out: Array<{ name: string; path: string }> = [];
  for (const name of names) {
    const path = name.startsWith('~/') ? join(homedir(), name.slice(2)) : resolve(base, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      out.push({ name, path }); // loadTemplate says why it cannot be read
      continue;
    }
    if (!info.isDirectory()) {
      out.push({ name, path });
      continue;
    }
    const entries = (await readdir(path, { recursive: true }))
      .map(String)
      .filter((e) => TEMPLATE_EXTENSIONS.test(e) && !/(^|\/)(node_modules|\.git)\//.test(e))
      .sort();
    if (entries.length === 0) {
      findings.push(
        parseFinding(
          name,
          'a folder with no templates in it (looked for .yaml, .yml, .json and .template files)',
          'TemplateRead',
        ),
      );
    }
    out.push(...entries.map((e) => ({ name: join(name, e), path: join(path, e) })));
  }
  return out;
}

async function loadTemplate(
  name: string,
  path: string,
  salt: string,
): Promise<Target | { finding: ValidationFinding }> {
  const refused = (why: string): { finding: ValidationFinding } => ({
    finding: parseFinding(name, why, 'TemplateRead'),
  });
  let source: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) return refused('a folder inside a folder given twice; name the templates');
    if (!info.isFile()) return refused('not a regular file (a device, socket or pipe is never read)');
    if (info.size > MAX_TEMPLATE_BYTES)
      return refused(
        `too big to be a template: ${info.size} bytes, over the ${MAX_TEMPLATE_BYTES} byte limit (CloudFormation accepts 1 MB)`,
      );
    source = await readFile(path, 'utf8');
  } catch (e) {
    return refused(readError(e as NodeJS.ErrnoException));
  }
  if (source.includes('\u0000')) return refused('not a template: the file is binary');
  const parsed = parseCfnTemplate(source);
  if (!parsed.ok) return { finding: parseFinding(name, parsed.reason) };
  const template = parsed.template;
  return {
    name,
    path,
    template,
    cacheKey: sha256(JSON.stringify([CACHE_FORMAT, name, source, salt])),
    needsProcessing:
      (template as { Transform?: unknown }).Transform !== undefined ||
      (isRecord(template.Conditions) && Object.keys(template.Conditions).length > 0) ||
      Object.values(template.Parameters ?? {}).some((p) => isRecord(p) && p.Default !== undefined),
    nested: nestedTemplates(template),
  };
}

/** Why a path cannot be read, in words (never the file's content). */
function readError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'not found: no file or folder at this path on the worker (relative paths start at the infra folder)';
    case 'EACCES':
    case 'EPERM':
      return "not readable: the worker's user has no permission to read it";
    case 'ENOTDIR':
      return 'not found: a part of the path is a file, not a folder';
    case 'ELOOP':
      return 'not readable: too many symbolic links';
    default:
      return `cannot read template: ${e.code ?? e.message}`;
  }
}

/** Local templates of nested stacks (AWS::CloudFormation::Stack TemplateURL, SAM application Location). */
function nestedTemplates(template: CfnTemplate): string[] {
  const out: string[] = [];
  for (const body of Object.values(template.Resources)) {
    const props = isRecord(body?.Properties) ? body.Properties : {};
    const url =
      body?.Type === 'AWS::CloudFormation::Stack'
        ? props.TemplateURL
        : body?.Type === 'AWS::Serverless::Application'
          ? props.Location
          : undefined;
    if (typeof url === 'string' && !/^[a-z][a-z0-9+.-]*:/i.test(url) && TEMPLATE_EXTENSIONS.test(url))
      out.push(normalize(url));
  }
  return out;
}

function parseFinding(file: string, message: string, rule = 'TemplateParse'): ValidationFinding {
  return { source: 'parse', file, rule, message, severity: 'error' };
}

interface AllResults {
  readonly findings: ValidationFinding[];
  readonly ruleResults: GuardRuleResult[];
  readonly unchecked: UncheckedResource[];
  readonly processing: TemplateProcessing[];
  readonly perTarget: ToolResults[];
}

/** Cached results for unchanged files; one cfn-lint, one processor and one cfn-guard process for the others. */
async function resultsFor(
  targets: Target[],
  deps: ValidateDeps,
  rules: Rules,
  policy: ValidationPolicy,
  cache: string,
): Promise<AllResults> {
  const cached = await Promise.all(targets.map((t) => readCache(cache, t.cacheKey)));
  const misses = targets.filter((_, i) => cached[i] === undefined);
  const fresh = await runTools(misses, deps, rules, policy);
  await Promise.all(misses.map((t) => writeCache(cache, t.cacheKey, fresh.get(t.name) ?? empty())));
  const all = targets.map((t, i) => cached[i] ?? fresh.get(t.name) ?? empty());
  return {
    findings: all.flatMap((r) => r.findings),
    ruleResults: all.flatMap((r) => r.ruleResults),
    unchecked: all.flatMap((r) => r.unchecked),
    processing: all.flatMap((r) => (r.processing ? [r.processing] : [])),
    perTarget: all,
  };
}

/** One thing cfn-guard and the organisation checks look at: a template as written, or one processed branch. */
interface Checked {
  readonly target: Target;
  readonly path: string;
  readonly template: CfnTemplate;
  readonly scenario: Readonly<Record<string, boolean>>;
  readonly isDefault: boolean;
}

async function runTools(
  targets: Target[],
  deps: ValidateDeps,
  rules: Rules,
  policy: ValidationPolicy,
): Promise<Map<string, ToolResults>> {
  const out = new Map<string, ToolResults>(targets.map((t) => [t.name, empty()]));
  if (targets.length === 0) return out;
  const byPath = new Map(targets.map((t) => [t.path, t.name]));
  const displayName = (p: string): string => byPath.get(p) ?? byPath.get(resolve(p)) ?? p;
  const work = await mkdtemp(join(tmpdir(), 'infra-agent-validate-'));
  try {
    const toProcess = targets.filter((t) => t.needsProcessing);
    const [lint, processed] = await Promise.all([
      runCfnLint({ run: deps.run, bin: deps.cfnLintBin, files: targets.map((t) => t.path), displayName }),
      processTemplates({
        run: deps.run,
        cfnLintBin: deps.cfnLintBin,
        files: toProcess.map((t) => t.path),
        outDir: work,
      }),
    ]);
    const checked: Checked[] = [];
    for (const target of targets) {
      if (!target.needsProcessing) {
        checked.push({ target, path: target.path, template: target.template, scenario: {}, isDefault: true });
        continue;
      }
      const result: ProcessedTemplate | undefined = processed[toProcess.indexOf(target)];
      const entry = out.get(target.name) as ToolResults;
      if (!result?.ok) {
        entry.findings.push(
          parseFinding(target.name, result?.error ?? 'template processing returned nothing', 'TemplateProcess'),
        );
        continue;
      }
      (entry as { processing?: TemplateProcessing }).processing = {
        file: target.name,
        transforms: [...result.transforms],
        branches: result.variants.length,
        ...(target.nested.length > 0 ? { nested: target.nested } : {}),
      };
      for (const v of result.variants) {
        const template = JSON.parse(await readFile(v.path, 'utf8')) as CfnTemplate;
        checked.push({ target, path: v.path, template, scenario: v.scenario, isDefault: v.default });
      }
    }
    const guard = await guardWithFallback(
      deps,
      rules.names,
      checked.map((c) => c.path),
      (p) => p,
    );
    for (const f of lint) (out.get(f.file) ?? orphan(out, f.file)).findings.push(f);
    for (const target of targets) {
      const mine = checked.filter((c) => c.target === target);
      const entry = out.get(target.name) as ToolResults;
      if (!target.needsProcessing && target.nested.length > 0)
        (entry as { processing?: TemplateProcessing }).processing = {
          file: target.name,
          transforms: [],
          branches: 1,
          nested: target.nested,
        };
      if (mine.length === 0) continue;
      mergeBranches(target, mine, guard, policy, rules, entry);
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Findings of every condition branch of one template, merged: a finding that holds in every branch where its
 * resource exists is reported once as is; one that holds in some says in which (`onlyWhen`).
 */
function mergeBranches(
  target: Target,
  branches: Checked[],
  guard: CfnGuardResult,
  policy: ValidationPolicy,
  rules: Rules,
  entry: ToolResults,
): void {
  const perBranch = branches.map((b) => {
    const guardFindings = guard.findings.filter((f) => f.file === b.path);
    const own: ValidationFinding[] = [
      ...guardFindings,
      ...tagFindings(target.name, b.template, policy.organisation.mandatoryTags),
    ];
    const iac = iacVersionFinding(target.name, b.template, policy.organisation.iacVersionParameter);
    if (iac) own.push(iac);
    return own.map((f) => ({ ...f, file: target.name }));
  });
  const key = (f: ValidationFinding): string => [f.source, f.rule, f.resource ?? '', f.message].join('\0');
  const merged = new Map<string, { finding: ValidationFinding; holding: number[] }>();
  perBranch.forEach((findings, i) => {
    for (const f of findings) {
      const m = merged.get(key(f)) ?? { finding: f, holding: [] };
      if (!m.holding.includes(i)) m.holding.push(i);
      merged.set(key(f), m);
    }
  });
  const scenarios = (ids: number[]): Array<Readonly<Record<string, boolean>>> =>
    ids.map((i) => (branches[i] as Checked).scenario);
  for (const { finding, holding } of merged.values()) {
    // Holds in every branch: said as is. Otherwise it says in which (also when its resource is conditional).
    if (holding.length === branches.length) {
      entry.findings.push(finding);
      continue;
    }
    const when = describeBranch(scenarios(holding), scenarios(branches.map((_, i) => i)));
    const byDefault = holding.some((i) => branches[i]?.isDefault);
    entry.findings.push({
      ...finding,
      onlyWhen: `${when}${byDefault ? ' (the parameter defaults take this branch)' : ''}`,
    });
  }
  // A rule fails for the template when it fails in any branch.
  const rank = { FAIL: 2, PASS: 1, SKIP: 0 } as const;
  const results = new Map<string, GuardRuleResult>();
  for (const b of branches) {
    for (const r of guard.ruleResults.filter((x) => x.file === b.path)) {
      const prior = results.get(r.rule);
      if (!prior || rank[r.status] > rank[prior.status]) results.set(r.rule, { ...r, file: target.name });
    }
  }
  entry.ruleResults.push(...results.values());
  const unchecked = new Map<string, UncheckedResource>();
  for (const b of branches)
    for (const u of uncheckedResources(target.name, b.template, rules.covered)) unchecked.set(u.resource, u);
  entry.unchecked.push(...unchecked.values());
  const suppressions = [
    ...templateSuppressions(target.template),
    ...branches.flatMap((b) => templateSuppressions(b.template)),
  ];
  const unique = new Map(suppressions.map((s) => [JSON.stringify([s.rule, s.resource ?? '', s.reason ?? '']), s]));
  entry.suppressions.push(...unique.values());
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

function tagFindings(file: string, template: CfnTemplate, tags: readonly string[]): ValidationFinding[] {
  if (tags.length === 0) return [];
  return findMissingTags(template, tags).map((m) => ({
    source: 'tags',
    file,
    control: 'CM-8',
    resource: m.resource,
    rule: 'MandatoryTags',
    message: `${m.type} lacks mandatory tags in ${m.where}: ${m.missing.join(', ')}`,
    severity: 'error',
    category: 'organisation',
  }));
}

function buildReport(
  files: readonly string[],
  findings: ValidationFinding[],
  results: AllResults,
  suppressed: ValidationReport['suppressed'],
  toolVersions: Record<string, string>,
): ValidationReport {
  const sortedFindings = [...findings].sort((a, b) => findingKey(a).localeCompare(findingKey(b)));
  const sortedResults = [...results.ruleResults].sort((a, b) =>
    `${a.file}\0${a.rule}`.localeCompare(`${b.file}\0${b.rule}`),
  );
  return {
    files: [...files],
    findings: sortedFindings,
    ruleResults: sortedResults,
    passed: !hasBlockingFindings(findings),
    toolVersions,
    ...(suppressed && suppressed.length > 0 ? { suppressed } : {}),
    ...(results.unchecked.length > 0 ? { unchecked: results.unchecked } : {}),
    ...(results.processing.length > 0 ? { processing: results.processing } : {}),
  };
}

function findingKey(f: ValidationFinding): string {
  return [f.file, f.source, f.rule, f.resource ?? '', f.message].join('\0');
}

async function readRules(dir: string): Promise<Rules> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.guard')).sort();
  const sources = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return {
    hash: sha256(JSON.stringify(files.map((f, i) => [f, sources[i]]))),
    names: sources.flatMap((s) => guardRuleNames(s)),
    covered: coveredTypes(sources),
  };
}

/** Identifies the installed tools without running them (a warm run must start no process): path, size, mtime. */
async function toolIdentity(deps: ValidateDeps): Promise<string> {
  const ids = await Promise.all(
    [deps.cfnLintBin, deps.cfnGuardBin, join(__dirname, '..', '..', 'adapters', 'cli', 'cfn_process.py')].map(
      async (bin) => {
        try {
          const real = await realpath(bin);
          const s = await stat(real);
          return `${real}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${bin}:missing`;
        }
      },
    ),
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
  if (entry?.format !== CACHE_FORMAT) return undefined;
  const { format: _format, ...results } = entry;
  return results;
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
  return { findings: [], ruleResults: [], unchecked: [], suppressions: [] };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
