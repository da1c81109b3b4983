import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { isFailure, runCommand } from '../../run-command';
import { whisper } from '../reply';

/**
 * A button that is a typed command: its value becomes the same line a person would type (`lineOf`; undefined = not
 * a value this button makes, ignored), run through the one dispatcher on behalf of the person who clicked, with
 * their rights. The answer goes into the message's thread; a refusal (not a known user, busy, too late) is told to
 * the clicker alone.
 */
export function commandButtonCallback(deps: ListenerDeps, what: string, lineOf: (value: string) => string | undefined) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    const line = lineOf(action.value ?? '');
    const channel = body.channel?.id ?? '';
    const messageTs = body.message?.ts;
    if (!line || !channel) return;
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `action-${action.action_ts}`,
    );
    const reply = await runCommand(deps, who, line, { channel, ...(messageTs ? { threadTs: messageTs } : {}) });
    if (isFailure(reply)) {
      await whisper(client, { channel, user: body.user.id }, reply.text, deps.logger);
      return;
    }
    try {
      await client.chat.postMessage({
        channel,
        ...(messageTs ? { thread_ts: messageTs } : {}),
        text: reply.text,
        blocks: reply.blocks,
      });
    } catch (e) {
      deps.logger.warn(`could not answer the ${what} click on ${action.value ?? '?'}: ${(e as Error).message}`);
    }
  };
}
