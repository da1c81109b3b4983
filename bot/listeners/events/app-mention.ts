import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { runCommand } from '../../run-command';
import { postReplyFiles } from '../../reply-files';
import { overLimitReply } from '../reply';

/** `@infra-agent <command>` in a channel: answered in the mention's thread, where the operation also reports. */
export function appMentionCallback(deps: ListenerDeps) {
  return async ({
    event,
    body,
    client,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    // Bolt has acked already; Slack retries (X-Slack-Retry-Num) carry the same event_id.
    const user = event.user;
    if (!user || !(await deps.dedupe.first(`event:${body.event_id}`))) return;
    await deps.lane.run(async () => {
      const who = slackIdentity(deps.config, { userId: user, teamId: event.team ?? body.team_id }, body.event_id);
      const threadTs = event.thread_ts ?? event.ts;
      const reply =
        overLimitReply(event.text) ?? (await runCommand(deps, who, event.text, { channel: event.channel, threadTs }));
      try {
        await client.chat.postMessage({ channel: event.channel, thread_ts: threadTs, ...reply });
        await postReplyFiles(client, { channel: event.channel, threadTs }, reply, deps.logger);
      } catch (e) {
        deps.logger.warn(`could not answer a mention in ${event.channel}: ${(e as Error).message}`);
      }
    });
  };
}
