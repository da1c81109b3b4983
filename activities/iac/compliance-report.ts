import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { CorpusExpectations, CorpusMeasurement } from '../../core/compliance/corpus';
import { measureCorpus } from '../../core/compliance/corpus';
import { renderComplianceReport } from '../../core/compliance/report';
import type { ValidationFinding } from '../../core/validation';
import { createValidateActivities } from './validate-templates';

/** Options of generateComplianceReport. Tool paths come from the caller's config. */
export interface ComplianceReportOptions {
  /** Repository root: templates are read from `<repoRoot>/infra/cloudformation/**\/*.yaml`. */
  readonly repoRoot: string;
  readonly run?: RunCommand;
  readonly cfnLintBin: string;
  readonly cfnGuardBin: string;
  /** Default `<repoRoot>/infra/cfn-guard-rules/nist-800-53`. */
  readonly rulesDir?: string;
  /** Where validation results are cached (worker/compose validateCacheDir). */
  readonly cacheDir: string;
  /** Corpus to measure precision and recall on (templates/ and expected.yaml), repo-relative; none by default. */
  readonly corpusDir?: string;
}

/** The corpus the report measures: test/fixtures/corpus. */
export const CORPUS_DIR = join('test', 'fixtures', 'corpus');

/**
 * The processing the validator does before checking (ForEach expanded, SAM transformed, parameter defaults
 * substituted into properties). Corpus templates that need other processing are listed as not measured instead of
 * counting as misses.
 */
export const VALIDATOR_PROCESSES: readonly string[] = ['ForEach', 'SAM', 'parameter defaults'];

const TOOL_HINTS = {
  'cfn-lint': 'run: bash sandbox/bootstrap.sh python, or set tools.cfnLint in the config',
  'cfn-guard': 'run: bash sandbox/bootstrap.sh cfn-guard, or set tools.cfnGuard in the config',
};

/** Validates every template under infra/cloudformation and renders the NIST 800-53 compliance report. */
export async function generateComplianceReport(opts: ComplianceReportOptions): Promise<string> {
  const files = await listTemplates(opts.repoRoot);
  const activities = createValidateActivities({
    run: opts.run ?? createRunCommand(TOOL_HINTS),
    cfnLintBin: opts.cfnLintBin,
    cfnGuardBin: opts.cfnGuardBin,
    rulesDir: opts.rulesDir ?? join(opts.repoRoot, 'infra', 'cfn-guard-rules', 'nist-800-53'),
    baseDir: opts.repoRoot,
    cacheDir: opts.cacheDir,
  });
  const report = await activities.validateTemplates({ files });
  const corpus = opts.corpusDir ? await measureCorpusDir(opts.repoRoot, opts.corpusDir, activities) : undefined;
  return renderComplianceReport({
    report,
    ...(report.toolVersions ? { toolVersions: report.toolVersions } : {}),
    ...(corpus ? { corpus, corpusDir: opts.corpusDir } : {}),
  });
}

/** Validates every corpus template and measures the findings against expected.yaml. */
export async function measureCorpusDir(
  repoRoot: string,
  corpusDir: string,
  activities: {
    validateTemplates(input: { files: readonly string[] }): Promise<{ findings: readonly ValidationFinding[] }>;
  },
): Promise<CorpusMeasurement> {
  const expectations = await readCorpusExpectations(repoRoot, corpusDir);
  const files = (await corpusTemplates(repoRoot, corpusDir)).map((f) => join(corpusDir, 'templates', f));
  const report = await activities.validateTemplates({ files });
  return measureCorpus(expectations, report.findings, { processes: VALIDATOR_PROCESSES });
}

/** The corpus' expected findings. */
export async function readCorpusExpectations(repoRoot: string, corpusDir: string): Promise<CorpusExpectations> {
  const parsed = parse(await readFile(join(repoRoot, corpusDir, 'expected.yaml'), 'utf8')) as {
    templates?: CorpusExpectations;
  };
  return parsed.templates ?? {};
}

/** File names of the corpus templates (.yaml, .yml, .json), sorted. */
export async function corpusTemplates(repoRoot: string, corpusDir: string): Promise<string[]> {
  const entries = await readdir(join(repoRoot, corpusDir, 'templates'));
  return entries.filter((e) => /\.(ya?ml|json)$/.test(e)).sort();
}

/** Repo-relative paths of `infra/cloudformation/**\/*.yaml`, sorted. */
export async function listTemplates(repoRoot: string): Promise<string[]> {
  const root = join('infra', 'cloudformation');
  const entries = await readdir(join(repoRoot, root), { recursive: true });
  return entries
    .filter((e) => e.endsWith('.yaml') || e.endsWith('.yml'))
    .map((e) => join(root, e))
    .sort();
}
