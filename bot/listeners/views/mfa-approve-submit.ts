import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { mfaRefusalText } from '../../../core/mfa';
import type { ListenerDeps } from '../../deps';
import { InputIds, parseDecisionValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { failureText, whisper } from '../reply';
import { sealedMetadata } from './sealed';

/**
 * The MFA modal's submit. The code is checked (and reserved) here, inside Slack's 3 seconds (a local HMAC), so a
 * wrong, reused or locked-out code is shown in the modal; only the verdict (`mfaVerified: true`) travels to the workflow — the
 * code never enters workflow history or logs. Only a form the bot opened for this approver counts.
 */
export function mfaApproveSubmitCallback(deps: ListenerDeps) {
  return async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { ack, body, view, client } = args;
    const sealed = await sealedMetadata(deps, args, { refusedAs: 'approval-refused', errorBlock: InputIds.mfaBlock });
    if (sealed === undefined) return;
    const meta = parseDecisionValue(sealed);
    const code = (view.state.values[InputIds.mfaBlock]?.[InputIds.mfaCode]?.value ?? '').trim();
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `view-${view.id}-${view.hash}`,
    );
    const fail = (message: string) => ack({ response_action: 'errors', errors: { [InputIds.mfaBlock]: message } });
    if (!meta) return void (await fail('This approval form is no longer valid; click Approve again.'));
    if (!who.known) return void (await fail("Your Slack account is not in infra-agent's user list."));
    // The code is held, not used: only an approval the workflow accepts uses it; a refused one (a stale change set,
    // a race lost) gives it back, so the person can still use it while it is current.
    const reservation = await deps.mfa.reserve(who.requester.userId, code, {
      operationId: meta.op,
      via: 'slack',
    });
    if (reservation.verdict !== 'ok') return void (await fail(mfaRefusalText(reservation)));
    await ack();
    try {
      await deps.gateway.approve(meta.op, who.requester, { artifactId: meta.artifact, mfaVerified: true });
      await reservation.commit();
    } catch (e) {
      await reservation.release();
      await whisper(client, { channel: meta.channel, user: body.user.id }, failureText(e, 'approval'), deps.logger);
    }
  };
}
