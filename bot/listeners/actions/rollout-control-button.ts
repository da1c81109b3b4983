import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { ActionIds } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { failureText, whisper } from '../reply';

const ACTION: Readonly<Record<string, 'pause' | 'resume' | 'abort'>> = {
  [ActionIds.rolloutPause]: 'pause',
  [ActionIds.rolloutResume]: 'resume',
  [ActionIds.rolloutAbort]: 'abort',
};

/**
 * Pause / Resume / Abort on a rollout's message. The workflow decides (requester or an approver, traffic moving);
 * refusals are audited by the gateway and whispered to the clicker; the message itself updates from the workflow.
 */
export function rolloutControlCallback(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    const what = ACTION[action.action_id];
    const op = action.value;
    if (!what || !op?.startsWith('rollout/')) return;
    const channel = body.channel?.id ?? '';
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `action-${action.action_ts}`,
    );
    if (!who.known) {
      await whisper(
        client,
        { channel, user: body.user.id },
        `:lock: only people in infra-agent's user list may ${what} a rollout`,
        deps.logger,
      );
      return;
    }
    try {
      await deps.gateway.controlRollout(op, what, who.requester);
    } catch (e) {
      const text = failureText(e, what);
      await whisper(client, { channel, user: body.user.id }, text, deps.logger);
    }
  };
}
