import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { AuditAction } from '../../../core/audit';
import { parseDecisionValue, parseProposalValue } from '../../../presentation/slack/ids';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { envOf } from '../../run-command';
import { openSealedView, unverifiedMetadata } from '../../view-seal';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** What a refused submission is recorded as, and where the modal shows the refusal. */
export interface SealedForm {
  readonly refusedAs: Extract<
    AuditAction,
    'approval-refused' | 'rejection-refused' | 'proposal-refused' | 'alert-refused'
  >;
  readonly errorBlock: string;
}

/**
 * The metadata of a submitted modal the bot opened for this very submitter, or undefined when it is not one: then
 * the submission has been answered (an error in the modal), nothing else happens, and the refusal is audited and
 * logged. A valid Slack signature is not enough — it says Slack sent the request, not that this bot opened the view.
 */
export async function sealedMetadata(
  deps: ListenerDeps,
  args: SubmitArgs,
  form: SealedForm,
): Promise<string | undefined> {
  const { view, body } = args;
  const opened = openSealedView(view, deps.viewSealKey, body.user.id);
  if (opened.ok) return opened.metadata;
  await args.ack({
    response_action: 'errors',
    errors: { [form.errorBlock]: 'This form was not opened by infra-agent for you, so nothing was done.' },
  });
  deps.logger.warn(`refused a ${view.callback_id} submission from ${body.user.id} (view ${view.id}): ${opened.reason}`);
  const who = slackIdentity(
    deps.config,
    { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
    `view-${view.id}-${view.hash}`,
  );
  // What the form claims to be about (unverified, for the record only).
  const raw = unverifiedMetadata(view.private_metadata);
  const claimed = parseDecisionValue(raw)?.op ?? parseProposalValue(raw)?.id ?? 'slack-view';
  try {
    await deps.audit.append({
      key: `slack-view-refused|${view.id}|${view.hash}`,
      action: form.refusedAs,
      actor: who.requester.userId,
      operationId: claimed,
      environment: envOf(claimed) ?? '',
      target: claimed,
      details: {
        via: 'slack',
        reason: `unverified form: ${opened.reason}`,
        callbackId: view.callback_id,
        viewId: view.id,
      },
    });
  } catch (e) {
    deps.logger.error(`could not audit a refused ${view.callback_id} submission: ${(e as Error).message}`);
  }
  return undefined;
}
