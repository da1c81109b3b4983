import { randomUUID } from 'node:crypto';
import type { AppConfig } from '../core/config';
import type { Requester } from '../core/requester';

/** Printed to stderr on every command when the configuration lets the terminal claim an identity. */
export const CLAIMED_IDENTITY_WARNING =
  'WARNING: identity claimed with --as (sandbox mode): anyone can be anyone — never use identity.terminal: claimed outside the sandbox';

/** Who the terminal acts for, and what to tell them on stderr (the sandbox warning, how to get mapped). */
export interface TerminalIdentity {
  readonly requester: Requester;
  /** How the identity was established: `aws` (proven by STS) or `claimed` (--as, sandbox). */
  readonly proof: 'aws' | 'claimed' | 'none';
  /** The caller's AWS principal, when proven. */
  readonly principal?: string;
  readonly notices: readonly string[];
}

/** `--as` or INFRA_AGENT_USER where the configuration proves identity instead: refused, with what to do. */
export class ClaimedIdentityRefused extends Error {
  override readonly name = 'ClaimedIdentityRefused';
}

/** How the terminal was asked to act: `--as`, INFRA_AGENT_USER, or neither. */
export interface IdentityClaim {
  readonly as?: string;
  readonly source?: '--as' | 'INFRA_AGENT_USER';
}

/** What identity resolution needs from outside: the OS user (claimed mode) and the caller's AWS ARN (proven). */
export interface IdentityProps {
  readonly osUser: string;
  /** STS GetCallerIdentity with the caller's own credentials (worker/caller-identity.ts). */
  readonly callerArn: () => Promise<string>;
}

/** True when `arn` matches `pattern`, where `*` stands for any run of characters and everything else is literal. */
export function principalMatches(arn: string, pattern: string): boolean {
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${re}$`).test(arn);
}

/** The configured users whose `awsPrincipals` match `arn`. */
export function usersForPrincipal(config: Pick<AppConfig, 'identity'>, arn: string): string[] {
  return Object.entries(config.identity.awsPrincipals)
    .filter(([, patterns]) => patterns.some((p) => principalMatches(arn, p)))
    .map(([id]) => id);
}

const requester = (userId: string, displayName: string): Requester => ({
  userId,
  displayName,
  via: 'cli',
  requestId: randomUUID(),
});

/**
 * The terminal user. With `identity.terminal: proven` (the default) the caller's own AWS identity is asked of STS and
 * mapped to the configured user whose `awsPrincipals` match it; `--as`/INFRA_AGENT_USER are refused. Without a
 * match (or without AWS credentials) the caller is an unknown, read-only user, told how to get mapped. With
 * `claimed` (the sandbox) `--as`/INFRA_AGENT_USER, else the OS user name, is believed, with a loud warning.
 */
export async function resolveTerminalIdentity(
  config: Pick<AppConfig, 'identity' | 'users'>,
  claim: IdentityClaim,
  props: IdentityProps,
): Promise<TerminalIdentity> {
  if (config.identity.terminal === 'claimed') {
    const id = claim.as ?? props.osUser;
    const known = config.users[id];
    return {
      requester: requester(known ? id : `unknown:${id}`, known?.displayName ?? id),
      proof: 'claimed',
      notices: [CLAIMED_IDENTITY_WARNING],
    };
  }
  if (claim.as !== undefined) {
    throw new ClaimedIdentityRefused(
      `${claim.source ?? '--as'} is not honoured: this configuration proves who you are from your own AWS ` +
        `credentials (identity.terminal: proven). ${claim.source === 'INFRA_AGENT_USER' ? 'Unset INFRA_AGENT_USER' : 'Drop --as'}` +
        ' and map your AWS principal under users.<id>.awsPrincipals.',
    );
  }
  let arn: string;
  try {
    arn = await props.callerArn();
  } catch (e) {
    return {
      requester: requester(`unknown:${props.osUser}`, props.osUser),
      proof: 'none',
      notices: [
        `could not prove who you are with AWS (${(e as Error).name}: ${(e as Error).message.split('\n')[0]}); ` +
          'you are read-only. Give the terminal your own AWS credentials (AWS_PROFILE, aws sso login or ' +
          'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and ask an admin to map your principal under users.<id>.awsPrincipals.',
      ],
    };
  }
  const ids = usersForPrincipal(config, arn);
  const [id] = ids;
  const user = id === undefined ? undefined : config.users[id];
  if (ids.length === 1 && id !== undefined && user) {
    return { requester: requester(id, user.displayName), proof: 'aws', principal: arn, notices: [] };
  }
  return {
    requester: requester(`unknown:${arn}`, arn),
    proof: 'aws',
    principal: arn,
    notices: [
      ids.length > 1
        ? `your AWS principal ${arn} matches several users (${ids.join(', ')}); you are read-only until an admin ` +
          'makes their users.<id>.awsPrincipals patterns distinct.'
        : `your AWS principal ${arn} is not mapped to a user; you are read-only. To act as yourself, an admin adds ` +
          `it under users.<your id>.awsPrincipals in the config (e.g. awsPrincipals: ['${arn}']).`,
    ],
  };
}
