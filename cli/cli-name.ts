import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * How people start this terminal front end, for hints: `infra-agent` when it is on PATH (npm link, a global
 * install), else the repository's own launcher.
 */
export function cliName(): string {
  if (process.env.INFRA_AGENT_CLI_NAME) return process.env.INFRA_AGENT_CLI_NAME;
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'infra-agent')));
  return onPath ? 'infra-agent' : 'node bin/infra-agent';
}
