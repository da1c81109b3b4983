import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, requireTool } from '../infra/support/tools';

export { REPO_ROOT };

export interface ToolRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where and how a tool runs: its folder, extra environment, what goes to its stdin. */
export interface ToolOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly stdin?: string;
}

/**
 * Runs a pinned tool (argument array, no shell) with only PATH and HOME inherited, so nothing in the test runner's
 * environment (a POSTGRES_PASSWORD, a developer's AWS keys, a KUBECONFIG) can fill anything in for the file under test.
 */
export function runTool(name: string, args: readonly string[], options: ToolOptions = {}): Promise<ToolRun> {
  const file = requireTool(name);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', ...options.env };
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      [...args],
      { cwd: options.cwd ?? REPO_ROOT, env, timeout: 240_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`${name} did not run: ${error.message}`));
        else resolve({ exitCode: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

/** A temp folder for planted files; `cleanup()` removes it. */
export function scratch(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'infra-agent-deploy-test-'));
  return {
    dir,
    write: (name, text) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const repoFile = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** KEY=value lines of an env file (sandbox/versions.env, .env.example), comments and blanks skipped. */
export function envFileValues(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
