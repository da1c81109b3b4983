import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of everything the sandbox installs or keeps: INFRA_AGENT_CACHE, default ~/.cache/infra-agent. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INFRA_AGENT_CACHE && env.INFRA_AGENT_CACHE.length > 0
    ? env.INFRA_AGENT_CACHE
    : join(homedir(), '.cache', 'infra-agent');
}

/** Where bootstrap.sh puts the pinned binaries (temporal, moto_server, cfn-lint, cfn-guard, helm, trivy, actionlint, hadolint, compose-check). */
export function toolBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'bin');
}

/** Absolute path of a pinned tool in the cache. */
export function toolPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolBinDir(env), name);
}

/** The Python interpreter of the sandbox venv (moto, cfn-lint). */
export function venvPython(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDir(env), 'venv', 'bin', 'python');
}
