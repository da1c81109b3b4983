import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { handleMfaCommand } from '../../mfa/mfa-command';
import { runCommand } from '../../run-command';
import { overLimitReply } from '../reply';

/** `/infra <command>`: the terminal's grammar, answered only to the person who typed it. */
export function infraCommandCallback(deps: ListenerDeps) {
  return async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    // Slack gives 3 seconds: acknowledge first, then work.
    await ack();
    // The same signed request delivered twice — also after a restart, or to another instance — runs once.
    if (!(await deps.dedupe.first(`command:${command.trigger_id}`))) return;
    await deps.lane.run(async () => {
      const who = slackIdentity(deps.config, { userId: command.user_id, teamId: command.team_id }, command.trigger_id);
      const text = command.text.trim();
      const reply =
        overLimitReply(text) ??
        (/^mfa\b/i.test(text)
          ? await handleMfaCommand(deps, client, who, text)
          : await runCommand(deps, who, text || 'help', { channel: command.channel_id }));
      try {
        await respond({ response_type: 'ephemeral', ...reply });
      } catch (e) {
        deps.logger.warn(`could not answer /infra from ${command.user_id}: ${(e as Error).message}`);
      }
    });
  };
}
