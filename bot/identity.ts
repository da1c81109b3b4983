import type { AppConfig } from '../core/config';
import type { Requester } from '../core/requester';

/** The Slack side of a person, as Slack signs it into every request. */
export interface SlackUser {
  readonly userId: string;
  readonly teamId: string | undefined;
}

/** A Slack person resolved against the config. `known: false` means read-only commands only. */
export interface SlackIdentity {
  readonly requester: Requester;
  readonly known: boolean;
}

/**
 * Maps the signed Slack user (and team, when the config pins one) to a config user. Anyone else becomes
 * `slack:<U…>`, which no approval policy names, so they can read but never change or approve anything.
 */
export function slackIdentity(config: AppConfig, who: SlackUser, requestId: string): SlackIdentity {
  const user = Object.values(config.users).find(
    (u) => u.slack?.userId === who.userId && (u.slack.teamId === undefined || u.slack.teamId === who.teamId),
  );
  return user
    ? { known: true, requester: { userId: user.id, displayName: user.displayName, via: 'slack', requestId } }
    : { known: false, requester: { userId: `slack:${who.userId}`, displayName: who.userId, via: 'slack', requestId } };
}
