import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A copy of the audit-log-group fixture whose content no earlier run validated (validation results are cached by
 * content), so cfn-lint surely runs for it: what a test that kills or drains a worker mid-validation needs.
 */
export function freshTemplate(): string {
  const fixture = join(__dirname, '..', 'fixtures', 'stacks', 'audit-log-group.yaml');
  const path = join(mkdtempSync(join(tmpdir(), 'infra-agent-fresh-')), 'audit-log-group.yaml');
  writeFileSync(path, `${readFileSync(fixture, 'utf8')}\n# run ${randomUUID()}\n`);
  return path;
}
