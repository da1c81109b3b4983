import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildRejectModal } from '../../../presentation/slack/modals';
import type { ListenerDeps } from '../../deps';
import { parseDecisionValue } from '../../../presentation/slack/ids';
import { sealView } from '../../view-seal';

/** Reject button: asks for the reason in a modal (the rejection itself happens on submit). */
export function rejectButtonCallback(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    const value = parseDecisionValue(action.value);
    if (!value) return;
    const modal = buildRejectModal({
      ...value,
      channel: body.channel?.id ?? '',
      ...(body.message?.ts ? { messageTs: body.message.ts } : {}),
    });
    try {
      // Sealed for this person: only their submission of this very form is acted on.
      await client.views.open({ trigger_id: body.trigger_id, view: sealView(modal, deps.viewSealKey, body.user.id) });
    } catch (e) {
      deps.logger.warn(`could not open the reject form for ${value.op}: ${(e as Error).message}`);
    }
  };
}
