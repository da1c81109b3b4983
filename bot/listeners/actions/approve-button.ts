import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { resolveApprovers } from '../../../core/approval';
import { buildMfaModal } from '../../../presentation/slack/modals';
import type { ListenerDeps } from '../../deps';
import { parseDecisionValue } from '../../../presentation/slack/ids';
import { slackIdentity } from '../../identity';
import { envOf } from '../../run-command';
import { sealView } from '../../view-seal';
import { failureText, whisper } from '../reply';

/**
 * Approve button. The workflow's update validator decides (approver list, requester, artifact, MFA); the
 * gateway audits refusals; the clicker hears why. PRD opens the MFA modal instead.
 */
export function approveButtonCallback(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    const value = parseDecisionValue(action.value);
    const channel = body.channel?.id ?? '';
    if (!value) return;
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `action-${action.action_ts}`,
    );
    const env = envOf(value.op);
    const policy = env ? deps.config.environments[env].approval : undefined;
    // Only an approver is asked for a code; anyone else goes straight to the gateway, which refuses and audits.
    if (policy?.mfa && resolveApprovers(policy, deps.config.users).includes(who.requester.userId)) {
      // trigger_id is valid for 3 seconds: open the modal before anything slow. The workflow still checks
      // the approver when the code comes back.
      // Sealed for this approver: only their submission of this very form is acted on.
      const modal = buildMfaModal({ ...value, channel, ...(body.message?.ts ? { messageTs: body.message.ts } : {}) });
      try {
        await client.views.open({ trigger_id: body.trigger_id, view: sealView(modal, deps.viewSealKey, body.user.id) });
      } catch (e) {
        deps.logger.warn(`could not open the MFA form for ${value.op}: ${(e as Error).message}`);
        await whisper(
          client,
          { channel, user: body.user.id },
          ':x: Could not open the MFA form; click Approve again.',
          deps.logger,
        );
      }
      return;
    }
    try {
      await deps.gateway.approve(value.op, who.requester, { artifactId: value.artifact });
    } catch (e) {
      const text = failureText(e, 'approval');
      await whisper(client, { channel, user: body.user.id }, text, deps.logger);
    }
  };
}
