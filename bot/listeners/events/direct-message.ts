import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { handleMfaCommand } from '../../mfa/mfa-command';
import { runCommand } from '../../run-command';
import { postReplyFiles } from '../../reply-files';
import { overLimitReply } from '../reply';

/** A direct message to the bot: the same grammar as `/infra`, answered in the DM. */
export function directMessageCallback(deps: ListenerDeps) {
  return async ({ message, body, client }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    // Only plain messages from people in a DM: edits, joins and the bot's own posts have a subtype or bot_id.
    if (message.channel_type !== 'im' || message.subtype !== undefined || message.bot_id) return;
    if (!message.user || !(await deps.dedupe.first(`event:${body.event_id}`))) return;
    await deps.lane.run(async () => {
      const who = slackIdentity(
        deps.config,
        { userId: message.user, teamId: message.team ?? body.team_id },
        body.event_id,
      );
      const text = message.text ?? '';
      const reply =
        overLimitReply(text) ??
        (/^\s*mfa\b/i.test(text)
          ? await handleMfaCommand(deps, client, who, text.trim())
          : await runCommand(deps, who, text, { channel: message.channel }));
      try {
        await client.chat.postMessage({ channel: message.channel, ...reply });
        await postReplyFiles(client, { channel: message.channel }, reply, deps.logger);
      } catch (e) {
        deps.logger.warn(`could not answer a DM: ${(e as Error).message}`);
      }
    });
  };
}
