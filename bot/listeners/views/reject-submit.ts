import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { BotDeps } from '../../deps';
import { InputIds, parseDecisionValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { refusalText, whisper } from '../reply';

/** The reject modal's submit: the workflow decides whether this person may reject; refusals are audited. */
export function rejectSubmitCallback(deps: BotDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = parseDecisionValue(view.private_metadata);
    const reason = (view.state.values[InputIds.reasonBlock]?.[InputIds.reason]?.value ?? '').trim();
    if (!reason) {
      await ack({ response_action: 'errors', errors: { [InputIds.reasonBlock]: 'Say why: the requester sees it.' } });
      return;
    }
    await ack();
    if (!meta || !deps.dedupe.first(`view:${view.id}:${view.hash}`)) return;
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `view-${view.id}-${view.hash}`,
    );
    try {
      await deps.gateway.reject(meta.op, who.requester, reason);
    } catch (e) {
      const text = refusalText(e) ?? `:x: rejection failed: ${(e as Error).message}`;
      await whisper(client, { channel: meta.channel, user: body.user.id }, text, deps.logger);
    }
  };
}
