import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { ALERT_KEY } from '../../../core/alerts/alert';
import { environmentOf } from '../../../core/commands/policy';
import type { Command } from '../../../core/commands/types';
import { ActionIds } from '../../../presentation/slack/ids';
import type { AlertModalMetadata } from '../../../presentation/slack/ids';
import { buildAlertReasonModal } from '../../../presentation/slack/modals';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { sealView } from '../../view-seal';
import { failureText, whisper } from '../reply';

/** The command an alert decision is: the same one typed as `acknowledge alert …` / `snooze alert …`. */
export function alertCommand(meta: AlertModalMetadata, reason: string): Command {
  return meta.decision === 'acknowledge'
    ? { name: 'alert-acknowledge', alert: meta.key, reason }
    : { name: 'alert-snooze', alert: meta.key, snooze: meta.snooze ?? 'until-changed', reason };
}

/**
 * Acknowledge / Snooze on an alert message: the gateway's permission rule first (someone not in the user list is
 * refused at once, audited, and told why), then a sealed modal asks why; the decision happens on submit.
 */
export function alertButtonCallback(deps: ListenerDeps) {
  return async ({
    ack,
    body,
    action,
    client,
  }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return;
    const [key, snooze] = (action.value ?? '').split('|');
    if (!key || !ALERT_KEY.test(key)) return;
    const channel = body.channel?.id ?? '';
    const meta: AlertModalMetadata =
      action.action_id === ActionIds.alertAcknowledge
        ? { key, decision: 'acknowledge', channel }
        : { key, decision: 'snooze', snooze: (snooze as AlertModalMetadata['snooze']) ?? 'until-changed', channel };
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      `action-${action.action_ts}`,
    );
    const command = alertCommand(meta, '(asked for in the form)');
    try {
      deps.gateway.authorize(command, who.requester);
    } catch (e) {
      await deps.audit
        .append({
          key: `alert-refused|${who.requester.requestId}`,
          action: 'alert-refused',
          actor: who.requester.userId,
          operationId: `alert/${key}`,
          environment: environmentOf(command) ?? key.split('/')[1] ?? '',
          target: key,
          details: { via: 'slack', decision: meta.decision, reason: (e as Error).message },
        })
        .catch((err: unknown) =>
          deps.logger.error(`could not audit a refused alert decision: ${(err as Error).message}`),
        );
      await whisper(client, { channel, user: body.user.id }, failureText(e, meta.decision), deps.logger);
      return;
    }
    try {
      // Sealed for this person: only their submission of this very form is acted on.
      const modal = buildAlertReasonModal(meta);
      await client.views.open({ trigger_id: body.trigger_id, view: sealView(modal, deps.viewSealKey, body.user.id) });
    } catch (e) {
      deps.logger.warn(`could not open the ${meta.decision} form for ${key}: ${(e as Error).message}`);
    }
  };
}
