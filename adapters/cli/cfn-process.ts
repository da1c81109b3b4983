import { existsSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunCommand } from './run-command';

/** One condition branch of a processed template, written as JSON for cfn-guard. */
export interface ProcessedVariant {
  /** Absolute path of the processed JSON. */
  readonly path: string;
  /** Condition name -> value in this branch (empty when the template uses no conditions). */
  readonly scenario: Readonly<Record<string, boolean>>;
  /** True for the branch the parameter defaults select. */
  readonly default: boolean;
}

/** What processing made of one template. */
export interface ProcessedTemplate {
  readonly file: string;
  readonly ok: boolean;
  /** Why it could not be processed (a bad ForEach, a SAM error), when `ok` is false. */
  readonly error?: string;
  readonly transforms: readonly string[];
  readonly variants: readonly ProcessedVariant[];
}

/** The processor itself failed (not a verdict on a template). */
export class CfnProcessFailed extends Error {
  override readonly name = 'CfnProcessFailed';
}

export interface CfnProcessInput {
  readonly run: RunCommand;
  /** cfn-lint's executable: the processor runs with the Python of its venv (cfn-lint + aws-sam-translator). */
  readonly cfnLintBin: string;
  readonly files: readonly string[];
  /** Where the processed variants are written. */
  readonly outDir: string;
  /** Most condition branches checked per template (cfn-lint's solver keeps only satisfiable ones). Default 16. */
  readonly maxVariants?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Expands language extensions (Fn::ForEach ...), translates SAM and writes one JSON per condition branch, for all
 * `files` in one Python process (adapters/cli/cfn_process.py).
 */
export async function processTemplates(input: CfnProcessInput): Promise<ProcessedTemplate[]> {
  if (input.files.length === 0) return [];
  const python = await pythonOf(input.cfnLintBin);
  const result = await input.run({
    file: python,
    args: ['-I', scriptPath()],
    stdin: JSON.stringify({ files: input.files, outDir: input.outDir, maxVariants: input.maxVariants ?? 16 }),
    timeoutMs: input.timeoutMs ?? 300_000,
    signal: input.signal,
  });
  if (result.exitCode !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-2).join(' ');
    throw new CfnProcessFailed(`template processing failed (exit ${result.exitCode}): ${tail.slice(0, 400)}`);
  }
  try {
    return JSON.parse(result.stdout) as ProcessedTemplate[];
  } catch {
    throw new CfnProcessFailed(`template processing printed no JSON: ${result.stdout.slice(0, 200)}`);
  }
}

/** The interpreter named on the first line of cfn-lint's entry script (pip writes its venv's python there). */
async function pythonOf(cfnLintBin: string): Promise<string> {
  const real = await realpath(cfnLintBin).catch(() => cfnLintBin);
  const handle = await open(real, 'r').catch(() => undefined);
  if (!handle)
    throw new CfnProcessFailed(`cannot read cfn-lint at ${cfnLintBin}: run bash sandbox/bootstrap.sh python`);
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
    const first = buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!shebang?.[1]) throw new CfnProcessFailed(`cfn-lint at ${real} is not a Python entry script`);
    // `#!/usr/bin/env python3` -> python3 on PATH.
    return shebang[1].endsWith('/env') && shebang[2] ? shebang[2] : shebang[1];
  } finally {
    await handle.close();
  }
}

function scriptPath(): string {
  const here = join(__dirname, 'cfn_process.py');
  // The compiled build (dist/adapters/cli) runs the script from the source tree beside it.
  return existsSync(here) ? here : join(__dirname, '..', '..', '..', 'adapters', 'cli', 'cfn_process.py');
}
