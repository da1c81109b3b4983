import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardRuleNames, runCfnGuard } from '../adapters/cli/cfn-guard';
import { runCfnLint } from '../adapters/cli/cfn-lint';
import { createRunCommand } from '../adapters/cli/run-command';
import { listTemplates } from '../activities/iac/compliance-report';
import { createValidateActivities } from '../activities/iac/validate-templates';
import { toolPath } from '../sandbox/paths';

// Validates every template in infra/cloudformation three ways in one run: batched with an empty cache (cold),
// batched again with that cache (warm), and the naive way (cfn-lint and cfn-guard once per file).
const repoRoot = join(__dirname, '..');
const rulesDir = join(repoRoot, 'infra', 'cfn-guard-rules', 'nist-800-53');
const cfnLintBin = toolPath('cfn-lint');
const cfnGuardBin = toolPath('cfn-guard');
const run = createRunCommand({
  'cfn-lint': 'run: bash sandbox/bootstrap.sh cfn-lint',
  'cfn-guard': 'run: bash sandbox/bootstrap.sh cfn-guard',
});

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function naive(files: string[]): Promise<void> {
  const ruleNames = readdirSync(rulesDir)
    .filter((f) => f.endsWith('.guard'))
    .flatMap((f) => guardRuleNames(readFileSync(join(rulesDir, f), 'utf8')));
  for (const file of files) {
    await runCfnLint({ run, bin: cfnLintBin, files: [file] });
    await runCfnGuard({ run, bin: cfnGuardBin, rulesDir, ruleNames, files: [file] });
  }
}

/** Cold, warm and naive runs over one set of templates; prints the figures and the ratios the issue holds us to. */
async function measure(label: string, files: string[], root: string): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-validate-'));
  const activities = createValidateActivities({ run, cfnLintBin, cfnGuardBin, rulesDir, cacheDir, baseDir: root });
  try {
    const cold = await timed(() => activities.validateTemplates({ files }));
    const warm = await timed(() => activities.validateTemplates({ files }));
    const naiveMs = await timed(() => naive(files.map((f) => join(root, f))));
    const row = (name: string, ms: number): string => `${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms`;
    process.stdout.write(
      [
        `${label}: validate ${files.length} templates`,
        row('naive (cfn-lint + cfn-guard per file)', naiveMs),
        row('batched, cold cache', cold),
        row('batched, warm cache', warm),
        `naive / cold = ${(naiveMs / cold).toFixed(1)}x, naive / warm = ${(naiveMs / warm).toFixed(0)}x, cold / warm = ${(cold / warm).toFixed(0)}x`,
        `cold = ${(cold / naiveMs).toFixed(3)} x naive (target <= 0.4), warm = ${(warm / naiveMs).toFixed(4)} x naive (target <= 0.02)`,
        '',
      ].join('\n'),
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await measure('product templates (infra/cloudformation)', await listTemplates(repoRoot), repoRoot);
  // The larger corpus (ForEach, SAM, conditions: the processed path). BENCH_VALIDATE_CORPUS=0 skips it.
  const corpus = join(repoRoot, 'test', 'fixtures', 'corpus', 'templates');
  if (process.env.BENCH_VALIDATE_CORPUS !== '0' && existsSync(corpus)) {
    const files = readdirSync(corpus)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => join('test', 'fixtures', 'corpus', 'templates', f));
    await measure('corpus (test/fixtures/corpus/templates)', files, repoRoot);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
