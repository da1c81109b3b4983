import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { InputIds, parseDecisionValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { failureText, whisper } from '../reply';
import { sealedMetadata } from './sealed';

/** The reject modal's submit: the workflow decides whether this person may reject; refusals are audited. */
export function rejectSubmitCallback(deps: ListenerDeps) {
  return async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { ack, body, view, client } = args;
    const sealed = await sealedMetadata(deps, args, {
      refusedAs: 'rejection-refused',
      errorBlock: InputIds.reasonBlock,
    });
    if (sealed === undefined) return;
    const meta = parseDecisionValue(sealed);
    const reason = (view.state.values[InputIds.reasonBlock]?.[InputIds.reason]?.value ?? '').trim();
    if (!reason) {
      await ack({ response_action: 'errors', errors: { [InputIds.reasonBlock]: 'Say why: the requester sees it.' } });
      return;
    }
    await ack();
    if (!meta || !(await deps.dedupe.first(`view:${view.id}:${view.hash}`))) return;
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `view-${view.id}-${view.hash}`,
    );
    try {
      await deps.gateway.reject(meta.op, who.requester, reason);
    } catch (e) {
      await whisper(client, { channel: meta.channel, user: body.user.id }, failureText(e, 'rejection'), deps.logger);
    }
  };
}
