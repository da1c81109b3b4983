import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { remediateCommandOf } from '../../../core/alerts/alert';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { isFailure, runCommand } from '../../run-command';
import { whisper } from '../reply';

/**
 * Remediate on a drift alert: runs `remediate <stack> <env>` through the one dispatcher on behalf of the person who
 * clicked (they are the requester, so they cannot approve it; PRD approvals need MFA as for any deploy). The
 * operation reports into the alert's thread; a refusal (not a known user, busy, nothing drifted) is told to the
 * clicker alone.
 */
export function alertRemediateCallback(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    // The same line typed as `remediate <stack> <env>`; undefined for anything but a stack's drift alert.
    const line = remediateCommandOf(action.value ?? '');
    const channel = body.channel?.id ?? '';
    const alertTs = body.message?.ts;
    if (!line || !channel) return;
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `action-${action.action_ts}`,
    );
    const reply = await runCommand(deps, who, line, {
      channel,
      ...(alertTs ? { threadTs: alertTs } : {}),
    });
    if (isFailure(reply)) {
      await whisper(client, { channel, user: body.user.id }, reply.text, deps.logger);
      return;
    }
    try {
      await client.chat.postMessage({
        channel,
        ...(alertTs ? { thread_ts: alertTs } : {}),
        text: reply.text,
        blocks: reply.blocks,
      });
    } catch (e) {
      deps.logger.warn(`could not answer the Remediate click on ${action.value ?? '?'}: ${(e as Error).message}`);
    }
  };
}
