import type { FindingSeverity, ValidationFinding } from '../../core/validation';
import type { RunCommand } from './run-command';

/** One cfn-lint run over many templates. */
export interface CfnLintInput {
  readonly run: RunCommand;
  /** Path of the cfn-lint executable (sandbox/paths toolPath('cfn-lint') or CFN_LINT_BIN). */
  readonly bin: string;
  /** Absolute template paths. */
  readonly files: readonly string[];
  /** Maps a path as cfn-lint prints it back to the caller's name for the file. Default: identity. */
  readonly displayName?: (path: string) => string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** cfn-lint itself failed (crash, bad usage): not a verdict on the templates. */
export class CfnLintFailed extends Error {
  override readonly name = 'CfnLintFailed';
}

// cfn-lint's exit code is a bit set of the finding levels it reported: 2 error, 4 warning, 8 informational.
// 0 is clean; 1 (or anything outside the bits) means cfn-lint itself failed.
const LEVEL_BITS = 2 | 4 | 8;

/** Runs cfn-lint once over all `files` and returns its findings. Never updates specs (works offline). */
export async function runCfnLint(input: CfnLintInput): Promise<ValidationFinding[]> {
  if (input.files.length === 0) return [];
  const result = await input.run({
    file: input.bin,
    args: ['--format', 'json', '--', ...input.files],
    timeoutMs: input.timeoutMs ?? 300_000,
    signal: input.signal,
  });
  if (result.exitCode !== 0 && (result.exitCode & ~LEVEL_BITS) !== 0) {
    throw new CfnLintFailed(`cfn-lint failed with exit code ${result.exitCode}: ${firstLine(result.stderr)}`);
  }
  if (result.truncated) throw new CfnLintFailed('cfn-lint output exceeded the capture limit; lint fewer files at once');
  return parseCfnLintOutput(result.stdout, input.displayName);
}

/** `cfn-lint --version` -> `1.58.0`. */
export async function cfnLintVersion(run: RunCommand, bin: string): Promise<string> {
  const result = await run({ file: bin, args: ['--version'], timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw new CfnLintFailed(`cfn-lint --version failed: ${firstLine(result.stderr)}`);
  return result.stdout.trim().replace(/^cfn-lint\s+/, '');
}

interface CfnLintMatch {
  readonly Filename?: string | null;
  readonly Level?: string;
  readonly Message?: string;
  readonly Location?: { readonly Path?: readonly unknown[] | null };
  readonly Rule?: { readonly Id?: string };
}

/** Parses `cfn-lint --format json` output into findings. Throws CfnLintFailed if it is not that JSON. */
export function parseCfnLintOutput(
  stdout: string,
  displayName: (path: string) => string = (p) => p,
): ValidationFinding[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout.trim() === '' ? '[]' : stdout);
  } catch {
    throw new CfnLintFailed(`cfn-lint did not print JSON: ${firstLine(stdout)}`);
  }
  if (!Array.isArray(parsed)) throw new CfnLintFailed('cfn-lint JSON output is not a list of matches');
  return (parsed as CfnLintMatch[]).map((m) => toFinding(m, displayName));
}

function toFinding(m: CfnLintMatch, displayName: (path: string) => string): ValidationFinding {
  const path = m.Location?.Path ?? [];
  const resource = path[0] === 'Resources' && typeof path[1] === 'string' ? path[1] : undefined;
  return {
    source: 'cfn-lint',
    file: m.Filename ? displayName(m.Filename) : '(cfn-lint)',
    ...(resource ? { resource } : {}),
    rule: m.Rule?.Id ?? 'cfn-lint',
    message: m.Message ?? '',
    severity: severityOf(m.Level),
  };
}

function severityOf(level: string | undefined): FindingSeverity {
  if (level === 'Error') return 'error';
  if (level === 'Warning') return 'warning';
  return 'info';
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
