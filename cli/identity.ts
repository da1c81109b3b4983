import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../core/config';
import type { Requester } from '../core/requester';

/**
 * The terminal user: `--as <id>` or INFRA_AGENT_USER, which must be a user in the config; otherwise the OS
 * user name, which gets read-only treatment everywhere approvals are checked.
 */
export function terminalRequester(config: AppConfig, as: string | undefined, osUser: string): Requester {
  const id = as ?? osUser;
  const known = config.users[id];
  return {
    userId: known ? id : `unknown:${id}`,
    displayName: known?.displayName ?? id,
    via: 'cli',
    requestId: randomUUID(),
  };
}
