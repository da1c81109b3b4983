import { remediateCommandOf, type AlertRecord } from '../../core/alerts/alert';
import type { RenderedMessage } from '../../activities/notify/notify-operation';
import { ActionIds } from './ids';
import { userText } from './escape';

const MAX_BODY = 2600;
const cut = (s: string): string => (s.length <= MAX_BODY ? s : `${s.slice(0, MAX_BODY - 1)}…`);
const code = (lines: readonly string[]): string => '```' + cut(userText(lines.join('\n'))) + '```';

/** The words under the headline for the alert's state: who acknowledged or snoozed it and why, or that it resolved. */
function stateLine(r: AlertRecord): string {
  if (r.status === 'resolved') return ':white_check_mark: resolved: the last check found nothing';
  if (r.status === 'acknowledged' && r.acknowledged)
    return `:eyes: acknowledged by ${userText(r.acknowledged.by)} at ${r.acknowledged.at}: ${userText(r.acknowledged.reason)}`;
  if (r.status === 'snoozed' && r.snoozed)
    return (
      `:zzz: snoozed by ${userText(r.snoozed.by)} ` +
      (r.snoozed.for === 'until-changed'
        ? 'until it changes'
        : `for ${r.snoozed.for} (until ${r.snoozed.until ?? '?'})`) +
      `: ${userText(r.snoozed.reason)}`
    );
  const command = remediateCommandOf(r.key);
  const remediate = command ? `\`${command}\`, ` : '';
  return `open — ${remediate}\`acknowledge alert ${r.key} because …\` or \`snooze alert ${r.key} 1h|1d|until-changed because …\``;
}

/**
 * The alert message in the environment's alerts channel: the check's headline and report (the drift report's own
 * words), its state, and Acknowledge / Snooze buttons while it is not resolved. `note` says what changed.
 */
export function renderAlertMessage(r: AlertRecord, note?: string): RenderedMessage {
  const icon = r.status === 'resolved' ? ':white_check_mark:' : ':rotating_light:';
  const text = `${icon} ${r.check} alert ${r.key}: ${userText(r.headline)}`;
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${text.slice(0, 2900)}*` } },
    ...(r.lines.length ? [{ type: 'section', text: { type: 'mrkdwn', text: code(r.lines) } }] : []),
    ...(note ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: userText(note).slice(0, 2900) }] }] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: stateLine(r).slice(0, 2900) }] },
  ];
  if (r.status !== 'resolved') {
    const snooze = (label: string, v: string) => ({
      type: 'button',
      action_id: `${ActionIds.alertSnooze}_${v}`,
      text: { type: 'plain_text', text: label },
      value: `${r.key}|${v}`,
    });
    blocks.push({
      type: 'actions',
      block_id: `alert_actions`,
      elements: [
        // A drift can be put back by an approved write (remediateCommandOf: a change set, a helm upgrade, a re-apply).
        ...(remediateCommandOf(r.key)
          ? [
              {
                type: 'button',
                action_id: ActionIds.alertRemediate,
                text: { type: 'plain_text', text: 'Remediate' },
                style: 'danger',
                value: r.key,
              },
            ]
          : []),
        {
          type: 'button',
          action_id: ActionIds.alertAcknowledge,
          text: { type: 'plain_text', text: 'Acknowledge' },
          value: r.key,
        },
        snooze('Snooze 1h', '1h'),
        snooze('Snooze 1d', '1d'),
        snooze('Snooze until changed', 'until-changed'),
      ],
    });
  }
  return { text, blocks };
}

/** A thread reply under the alert (changed, resolved, acknowledged, snoozed). */
export function renderAlertReply(text: string): RenderedMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }] };
}
