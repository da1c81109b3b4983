import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { toolPath } from '../../../sandbox/paths';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const RULES_DIR = join(REPO_ROOT, 'infra', 'cfn-guard-rules', 'nist-800-53');
export const GUARD_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'guard');

/** Path of a pinned sandbox tool; throws (so the test fails, never skips) with the command that installs it. */
export function requireTool(name: string): string {
  const path = toolPath(name);
  if (!existsSync(path)) throw new Error(`${name} is not installed at ${path}: run \`bash sandbox/bootstrap.sh ${name}\``);
  return path;
}

/** Repo-relative paths of every template under infra/cloudformation. */
export function templateFiles(): string[] {
  const root = join(REPO_ROOT, 'infra', 'cloudformation');
  return readdirSync(root, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => relative(REPO_ROOT, join(root, f)))
    .sort();
}

/** Every guard fixture as `<control dir>/<file>`, with the rule its first line says it must trip (or PASS). */
export function guardFixtures(): Array<{ dir: string; file: string; path: string; expect: string }> {
  return readdirSync(GUARD_FIXTURES, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const path = join(GUARD_FIXTURES, f);
      const firstLine = readFileSync(path, 'utf8').split('\n')[0] ?? '';
      const expect = /^# expect: (\S+)/.exec(firstLine)?.[1];
      if (!expect) throw new Error(`${f}: first line must be '# expect: PASS' or '# expect: <RULE_NAME>'`);
      const [dir = '', file = ''] = f.split('/');
      return { dir, file, path, expect };
    });
}
