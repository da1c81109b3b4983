import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the worker keeps what it can recompute (validation results, the local sandbox's folder by default):
 * INFRA_AGENT_CACHE, default ~/.cache/infra-agent. The same default as the sandbox's installer uses
 * (sandbox/paths.ts), without product code importing the sandbox.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.INFRA_AGENT_CACHE || join(homedir(), '.cache', 'infra-agent');
}
