import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { runCommand } from '../../run-command';

/** `@infra-agent <command>` in a channel: answered in the mention's thread, where the operation also reports. */
export function appMentionCallback(deps: BotDeps) {
  return async ({
    event,
    body,
    client,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    // Bolt has acked already; Slack retries (X-Slack-Retry-Num) carry the same event_id.
    if (!deps.dedupe.first(`event:${body.event_id}`) || !event.user) return;
    const who = slackIdentity(deps.config, { userId: event.user, teamId: event.team ?? body.team_id }, body.event_id);
    const threadTs = event.thread_ts ?? event.ts;
    const reply = await runCommand(deps, who, event.text, { channel: event.channel, threadTs });
    try {
      await client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, ...reply });
    } catch (e) {
      deps.logger?.warn(`could not answer a mention in ${event.channel}: ${(e as Error).message}`);
    }
  };
}
