import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CORPUS_DIR, generateComplianceReport } from '../activities/iac/compliance-report';
import type { AppConfig } from '../core/config';
import { validateCacheDir } from './compose';

/**
 * `infra-agent compliance report [--check]`: validates every template with the real tools and writes
 * docs/nist-compliance-report.md; with --check it only compares and fails when the committed report is stale.
 */
export async function runComplianceReport(
  config: AppConfig,
  check: boolean,
  log: (s: string) => void,
): Promise<number> {
  const repoRoot = dirname(config.infraDir);
  const target = join(repoRoot, 'docs', 'nist-compliance-report.md');
  const fresh = await generateComplianceReport({
    repoRoot,
    cfnLintBin: config.tools.cfnLint,
    cfnGuardBin: config.tools.cfnGuard,
    cacheDir: validateCacheDir(),
    corpusDir: CORPUS_DIR,
  });
  if (check) {
    const committed = await readFile(target, 'utf8').catch(() => '');
    if (committed === fresh) {
      log(`${target} is up to date`);
      return 0;
    }
    log(`${target} is stale: run 'node bin/infra-agent compliance report' and commit the result`);
    return 1;
  }
  await writeFile(target, fresh);
  log(`wrote ${target}`);
  return 0;
}
