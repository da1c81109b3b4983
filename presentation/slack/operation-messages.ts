import type { OperationEvent, OperationMessages, RenderedMessage } from '../../activities/notify/notify-operation';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { summarizeChanges } from '../../core/operations';
import { buildOperationMessage } from './operation-message';
import { verifyBody } from '../text/verify';
import { escapeMrkdwn, preformatted, truncate } from './text';

/** `<@U…>` for people with a Slack id in the config, their display name otherwise. */
export function mentionFor(config: AppConfig): (userId: string) => string {
  return (userId) => {
    const u = config.users[userId];
    if (u?.slack) return `<@${u.slack.userId}>`;
    const slackId = /^slack:([UW][A-Z0-9]+)$/.exec(userId)?.[1];
    return slackId ? `<@${slackId}>` : escapeMrkdwn(u?.displayName ?? userId);
  };
}

/** Link to one workflow in the Temporal UI, when configured. */
export function operationUrl(config: AppConfig, operationId: string): string | undefined {
  const ui = config.temporal.uiUrl;
  return ui ? `${ui}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(operationId)}` : undefined;
}

/** The status message and thread replies of operations, as the notify activity sends them. */
export function createOperationMessages(config: AppConfig): OperationMessages {
  const mention = mentionFor(config);
  const status = (s: OperationState): RenderedMessage => {
    const url = operationUrl(config, s.operationId);
    return buildOperationMessage(s, {
      env: config.environments[s.environment],
      mention,
      ...(url ? { operationUrl: url } : {}),
    });
  };
  return { status, event: (s, e) => eventReply(s, e, mention) };
}

/** One line in the thread per event people care about; `requested` and `rejected` only update the status. */
export function eventReply(
  s: OperationState,
  e: OperationEvent,
  mention: (userId: string) => string,
): RenderedMessage | undefined {
  const env = `[${s.environment.toUpperCase()}]`;
  const line = (text: string): RenderedMessage => {
    const t = truncate(text, 3000);
    return { text: t, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }] };
  };
  switch (e) {
    case 'requested':
    case 'rejected':
      return undefined;
    case 'preview-ready':
      return line(
        `${env} Preview ready for ${s.target}: ${s.preview ? summarizeChanges(s.preview.changes).counts : 'no preview'}. ` +
          `Waiting for ${s.approvalsRequired - s.approvals.length} approval(s).`,
      );
    case 'approved':
      return line(
        `${env} Approved by ${s.approvals.map((a) => `${mention(a.approver)}${a.mfa ? ' (MFA)' : ''}`).join(', ')}.`,
      );
    case 'executing':
      return line(`${env} Executing the approved change on ${s.target}.`);
    case 'done': {
      const done = line(
        `${env} ${s.outcome === 'succeeded' || s.outcome === 'no-changes' ? 'Done' : `Ended: ${s.outcome ?? 'done'}`} — ${escapeMrkdwn(s.message ?? '')}`,
      );
      // The verification after a deploy, check by check (failed first), under the outcome.
      const body = s.verification ? verifyBody(s.verification) : '';
      return body ? { text: done.text, blocks: [...(done.blocks ?? []), ...preformatted(body, 4)] } : done;
    }
  }
}
