import type { GuardRuleResult, ValidationFinding } from '../../core/validation';
import type { RunCommand } from './run-command';

/** One cfn-guard run of a rules directory over many templates. */
export interface CfnGuardInput {
  readonly run: RunCommand;
  /** Path of the cfn-guard executable (sandbox/paths toolPath('cfn-guard') or CFN_GUARD_BIN). */
  readonly bin: string;
  /** Directory of `.guard` files. */
  readonly rulesDir: string;
  /** Every rule name defined in the rules directory: rules cfn-guard does not mention are reported SKIP. */
  readonly ruleNames: readonly string[];
  /** Absolute template paths. */
  readonly files: readonly string[];
  /** Maps a path as cfn-guard prints it back to the caller's name for the file. Default: identity. */
  readonly displayName?: (path: string) => string;
  /** Maps a rule name to its control id. */
  readonly controlOf?: (rule: string) => string | undefined;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Findings and per-file, per-rule outcomes of a guard run. */
export interface CfnGuardResult {
  readonly findings: ValidationFinding[];
  readonly ruleResults: GuardRuleResult[];
}

/** cfn-guard itself failed (bad rules file, crash): not a verdict on the templates. */
export class CfnGuardFailed extends Error {
  override readonly name = 'CfnGuardFailed';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

// cfn-guard 3.2.0: 0 all pass or skip, 19 some rule failed; 5 is a rules parse error, 255 a data parse error.
const OK_EXIT_CODES = new Set([0, 19]);

/** Runs `cfn-guard validate --structured` once over all `files`. */
export async function runCfnGuard(input: CfnGuardInput): Promise<CfnGuardResult> {
  if (input.files.length === 0) return { findings: [], ruleResults: [] };
  const result = await input.run({
    file: input.bin,
    args: [
      'validate',
      '--rules',
      input.rulesDir,
      ...input.files.flatMap((f) => ['--data', f]),
      '--output-format',
      'json',
      '--show-summary',
      'none',
      '--structured',
    ],
    timeoutMs: input.timeoutMs ?? 300_000,
    signal: input.signal,
  });
  if (!OK_EXIT_CODES.has(result.exitCode)) {
    const reason = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(0, 3).join(' ');
    throw new CfnGuardFailed(
      `cfn-guard failed with exit code ${result.exitCode}: ${reason.slice(0, 500)}`,
      result.exitCode,
    );
  }
  return parseCfnGuardOutput(result.stdout, input);
}

/** `cfn-guard --version` -> `3.2.0`. */
export async function cfnGuardVersion(run: RunCommand, bin: string): Promise<string> {
  const result = await run({ file: bin, args: ['--version'], timeoutMs: 60_000 });
  if (result.exitCode !== 0)
    throw new CfnGuardFailed(`cfn-guard --version failed: ${result.stderr.trim()}`, result.exitCode);
  return result.stdout.trim().replace(/^cfn-guard\s+/, '');
}

/** Rule names defined in guard rules source (`rule NAME when ... {`). */
export function guardRuleNames(source: string): string[] {
  return [...source.matchAll(/^\s*rule\s+([A-Za-z0-9_]+)/gm)].map((m) => m[1] ?? '').filter((n) => n !== '');
}

interface GuardFileReport {
  readonly name: string;
  readonly not_compliant?: ReadonlyArray<{ readonly Rule?: { readonly name?: string; readonly checks?: unknown } }>;
  readonly compliant?: readonly string[];
}

type ParseOptions = Pick<CfnGuardInput, 'ruleNames' | 'displayName' | 'controlOf'>;

/** Parses `cfn-guard validate --structured --output-format json` output. */
export function parseCfnGuardOutput(stdout: string, options: ParseOptions): CfnGuardResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new CfnGuardFailed(`cfn-guard did not print JSON: ${stdout.trim().slice(0, 200)}`, 0);
  }
  if (!Array.isArray(parsed)) throw new CfnGuardFailed('cfn-guard JSON output is not a list of files', 0);
  const findings: ValidationFinding[] = [];
  const ruleResults: GuardRuleResult[] = [];
  for (const report of parsed as GuardFileReport[]) {
    const file = (options.displayName ?? ((p: string) => p))(report.name);
    const failed = new Set<string>();
    for (const entry of report.not_compliant ?? []) {
      const rule = entry.Rule?.name ?? 'unknown';
      failed.add(rule);
      findings.push(...ruleFindings(file, rule, entry.Rule?.checks, options.controlOf?.(rule)));
    }
    const passed = new Set(report.compliant ?? []);
    const names = new Set([...options.ruleNames, ...failed, ...passed]);
    for (const rule of [...names].sort()) {
      const status = failed.has(rule) ? 'FAIL' : passed.has(rule) ? 'PASS' : 'SKIP';
      const control = options.controlOf?.(rule);
      ruleResults.push({ file, rule, ...(control ? { control } : {}), status });
    }
  }
  return { findings, ruleResults };
}

interface Clause {
  readonly message: string;
  readonly resource?: string;
  /** True when the message is the rule author's `<< ... >>` text rather than cfn-guard's own. */
  readonly custom: boolean;
}

function ruleFindings(file: string, rule: string, checks: unknown, control: string | undefined): ValidationFinding[] {
  const clauses = preferCustomMessages(collectClauses(checks));
  if (clauses.length === 0) clauses.push({ message: `${rule} failed`, custom: false });
  const seen = new Set<string>();
  const out: ValidationFinding[] = [];
  for (const clause of clauses) {
    const key = `${clause.resource ?? ''}\u0000${clause.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      source: 'cfn-guard',
      file,
      ...(control ? { control } : {}),
      ...(clause.resource ? { resource: clause.resource } : {}),
      rule,
      message: clause.message,
      severity: 'error',
    });
  }
  return out;
}

/** cfn-guard's own text for one branch of an `or` is noise when the author's message for the resource is there. */
function preferCustomMessages(clauses: Clause[]): Clause[] {
  const explained = new Set(clauses.filter((c) => c.custom).map((c) => c.resource ?? ''));
  return clauses.filter((c) => c.custom || !explained.has(c.resource ?? ''));
}

/** Leaf clauses are the objects that carry both `messages` and `check`, at any depth of the rule's tree. */
function collectClauses(node: unknown, out: Clause[] = []): Clause[] {
  if (Array.isArray(node)) {
    for (const item of node) collectClauses(item, out);
    return out;
  }
  if (!isObject(node)) return out;
  if (isObject(node.messages) && node.check !== undefined) {
    const custom = typeof node.messages.custom_message === 'string' ? node.messages.custom_message.trim() : '';
    const error = typeof node.messages.error_message === 'string' ? node.messages.error_message.trim() : '';
    const resource = resourceOf(node.check);
    out.push({
      message: custom || error || 'rule clause failed',
      custom: custom !== '',
      ...(resource ? { resource } : {}),
    });
    return out;
  }
  for (const value of Object.values(node)) collectClauses(value, out);
  return out;
}

/**
 * The logical id a failed clause is about. Rules that capture logical ids (`Resources[ id | ... ]`) report the
 * captured key as the value at path `/Resources`: that wins; otherwise the first `/Resources/<id>/...` path.
 */
function resourceOf(check: unknown): string | undefined {
  const paths: Array<{ path: string; value: unknown }> = [];
  collectPaths(check, paths);
  const captured = paths.find((p) => p.path === '/Resources' && typeof p.value === 'string');
  if (captured) return captured.value as string;
  return firstOf(paths, (p) => /^\/Resources\/([^/]+)/.exec((p as { path: string }).path)?.[1]);
}

function collectPaths(node: unknown, out: Array<{ path: string; value: unknown }>): void {
  if (Array.isArray(node)) return node.forEach((item) => collectPaths(item, out));
  if (!isObject(node)) return;
  if (typeof node.path === 'string') out.push({ path: node.path, value: node.value });
  for (const value of Object.values(node)) collectPaths(value, out);
}

function firstOf(items: readonly unknown[], fn: (item: unknown) => string | undefined): string | undefined {
  for (const item of items) {
    const found = fn(item);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
