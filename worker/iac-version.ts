import { execFile } from 'node:child_process';

/**
 * The IaC_Version stamped on every stack (CM-3): INFRA_AGENT_IAC_VERSION, else the git commit of the folder
 * holding the templates. Undefined when neither is known; deploys then refuse rather than stamp a guess.
 */
export function resolveIacVersion(infraDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromEnv = env.INFRA_AGENT_IAC_VERSION;
  if (fromEnv) return Promise.resolve(fromEnv);
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: infraDir, timeout: 5000 }, (err, stdout) => {
      const sha = stdout.trim();
      resolve(!err && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined);
    });
  });
}
