import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { mfaRefusalText } from '../../../core/mfa';
import type { BotDeps } from '../../deps';
import { InputIds, parseDecisionValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { refusalText, whisper } from '../reply';

/**
 * The MFA modal's submit. The code is checked here, inside Slack's 3 seconds (a local HMAC), so a wrong or
 * reused code is shown in the modal; only the verdict (`mfaVerified: true`) travels to the workflow — the
 * code never enters workflow history or logs.
 */
export function mfaApproveSubmitCallback(deps: BotDeps) {
  return async ({
    ack,
    body,
    view,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const meta = parseDecisionValue(view.private_metadata);
    const code = (view.state.values[InputIds.mfaBlock]?.[InputIds.mfaCode]?.value ?? '').trim();
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `view-${view.id}-${view.hash}`,
    );
    const fail = (message: string) => ack({ response_action: 'errors', errors: { [InputIds.mfaBlock]: message } });
    if (!meta) return void (await fail('This approval form is no longer valid; click Approve again.'));
    if (!who.known) return void (await fail("Your Slack account is not in infra-agent's user list."));
    const verdict = await deps.mfa.verify(who.requester.userId, code);
    if (verdict !== 'ok') return void (await fail(mfaRefusalText(verdict)));
    await ack();
    try {
      await deps.gateway.approve(meta.op, who.requester, { artifactId: meta.artifact, mfaVerified: true });
    } catch (e) {
      const text = refusalText(e) ?? `:x: approval failed: ${(e as Error).message}`;
      await whisper(client, { channel: meta.channel, user: body.user.id }, text, deps.logger);
    }
  };
}
