import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ListenerDeps } from '../../deps';
import { InputIds, parseAlertModalValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { alertCommand } from '../actions/alert-button';
import { failureText, whisper } from '../reply';
import { sealedMetadata } from './sealed';

/** The Acknowledge / Snooze form's submit: the same command as typed, through the one dispatcher (audited there). */
export function alertSubmitCallback(deps: ListenerDeps) {
  return async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { ack, body, view, client } = args;
    const sealed = await sealedMetadata(deps, args, {
      refusedAs: 'alert-refused',
      errorBlock: InputIds.alertReasonBlock,
    });
    if (sealed === undefined) return;
    const meta = parseAlertModalValue(sealed);
    const reason = (view.state.values[InputIds.alertReasonBlock]?.[InputIds.alertReason]?.value ?? '').trim();
    if (!reason) {
      await ack({ response_action: 'errors', errors: { [InputIds.alertReasonBlock]: 'Say why: it is audited.' } });
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
      await deps.gateway.execute(alertCommand(meta, reason), who.requester);
    } catch (e) {
      await whisper(client, { channel: meta.channel, user: body.user.id }, failureText(e, meta.decision), deps.logger);
    }
  };
}
