import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';
import type { AppConfig } from '../core/config';

/** The commit a template comes from, or why it cannot be told (naming the folder and what to do). */
export type IacVersionResult = { readonly version: string } | { readonly problem: string };

/** `git rev-parse HEAD` in `folder`: the commit, or a message naming the folder. */
export function gitCommitOf(folder: string): Promise<IacVersionResult> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: folder, timeout: 5000 }, (err, stdout, stderr) => {
      const sha = stdout.trim();
      if (!err && /^[0-9a-f]{40}$/.test(sha)) return resolve({ version: sha });
      const why = (stderr.trim().split('\n')[0] ?? '') || (err?.message ?? 'no commit');
      resolve({
        problem:
          `${folder} is not a git checkout with a commit (git rev-parse HEAD: ${why}); deploy from a git ` +
          'checkout of that repository or set INFRA_AGENT_IAC_VERSION',
      });
    });
  });
}

/**
 * The IaC_Version stamped on every stack (CM-3): INFRA_AGENT_IAC_VERSION, else the git commit of the folder
 * holding the templates. Undefined when neither is known; deploys then refuse rather than stamp a guess.
 */
export async function resolveIacVersion(
  infraDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const fromEnv = env.INFRA_AGENT_IAC_VERSION;
  if (fromEnv) return fromEnv;
  const r = await gitCommitOf(infraDir);
  return 'version' in r ? r.version : undefined;
}

/**
 * Per catalog stack, the commit of the git repository its template lives in: the configured root holding the
 * template (roots are the team's own repositories, each with its own history). INFRA_AGENT_IAC_VERSION, when set,
 * wins for every stack. One `git` per root, not per stack.
 */
export async function resolveIacVersions(
  config: Pick<AppConfig, 'infraDir' | 'roots' | 'stacks'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Record<string, IacVersionResult>> {
  const fromEnv = env.INFRA_AGENT_IAC_VERSION;
  const byRoot = new Map<string, Promise<IacVersionResult>>();
  const out: Record<string, IacVersionResult> = {};
  for (const [name, s] of Object.entries(config.stacks)) {
    if (fromEnv) {
      out[name] = { version: fromEnv };
      continue;
    }
    const file = isAbsolute(s.template) ? s.template : join(config.infraDir, s.template);
    const root = rootOf(file, config.roots);
    // Config loading refuses a template outside every root, so only a config built in memory (tests, benchmarks)
    // has one: it gets no entry here, and the deployment-wide version (infraDir's commit) applies to it.
    if (!root) continue;
    if (!byRoot.has(root)) byRoot.set(root, gitCommitOf(root));
    out[name] = await (byRoot.get(root) as Promise<IacVersionResult>);
  }
  return out;
}

/** The longest root holding `file` (symlinks followed), if any. */
function rootOf(file: string, roots: readonly string[]): string | undefined {
  const real = safeRealpath(file) ?? file;
  return roots
    .filter((r) => {
      const rr = safeRealpath(r) ?? r;
      return real === rr || real.startsWith(rr + sep);
    })
    .sort((a, b) => b.length - a.length)[0];
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}
