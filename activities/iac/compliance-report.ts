import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunCommand } from '../../adapters/cli/run-command';
import type { RunCommand } from '../../adapters/cli/run-command';
import { renderComplianceReport } from '../../core/compliance/report';
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
}

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
  return renderComplianceReport({ report, ...(report.toolVersions ? { toolVersions: report.toolVersions } : {}) });
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
