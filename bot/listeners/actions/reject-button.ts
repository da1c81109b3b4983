import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildRejectModal } from '../../../presentation/slack/modals';
import type { BotDeps } from '../../deps';
import { parseDecisionValue } from '../../../presentation/slack/ids';

/** Reject button: asks for the reason in a modal (the rejection itself happens on submit). */
export function rejectButtonCallback(deps: BotDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`)) return;
    const value = parseDecisionValue(action.value);
    if (!value) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildRejectModal({
        ...value,
        channel: body.channel?.id ?? '',
        ...(body.message?.ts ? { messageTs: body.message.ts } : {}),
      }),
    });
  };
}
