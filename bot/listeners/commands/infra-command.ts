import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { handleMfaCommand } from '../../mfa/mfa-command';
import { runCommand } from '../../run-command';

/** `/infra <command>`: the terminal's grammar, answered only to the person who typed it. */
export function infraCommandCallback(deps: BotDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    // Slack gives 3 seconds: acknowledge first, then work.
    await ack();
    // The same signed request delivered twice must not start two operations.
    if (!deps.dedupe.first(`command:${command.trigger_id}`)) return;
    // Under a burst, let requests already received be acked before this one's work takes the event loop.
    await new Promise((r) => setImmediate(r));
    const who = slackIdentity(deps.config, { userId: command.user_id, teamId: command.team_id }, command.trigger_id);
    const text = command.text.trim();
    const reply = /^mfa\b/i.test(text)
      ? await handleMfaCommand(deps, client, who, text)
      : await runCommand(deps, who, text || 'help', { channel: command.channel_id });
    try {
      await respond({ response_type: 'ephemeral', ...reply });
    } catch (e) {
      deps.logger?.warn(`could not answer /infra from ${command.user_id}: ${(e as Error).message}`);
    }
  };
}
