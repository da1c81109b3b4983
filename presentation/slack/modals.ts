import type { types } from '@slack/bolt';
import type { AlertModalMetadata, DecisionModalMetadata, ProposalModalMetadata } from './ids';
import { InputIds, ViewIds } from './ids';
import { userText } from './escape';
import { truncate } from './text';

type ModalView = types.ModalView;

/** PRD step-up: the approver types the current code of the authenticator they enrolled with the bot. */
export function buildMfaModal(meta: DecisionModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ViewIds.mfaApprove,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Approve with MFA' },
    submit: { type: 'plain_text', text: 'Approve' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(`Approving \`${userText(meta.op)}\`.\nChange set: \`${userText(meta.artifact)}\``, 3000),
        },
      },
      {
        type: 'input',
        block_id: InputIds.mfaBlock,
        label: { type: 'plain_text', text: 'Current 6-digit code from your authenticator' },
        element: {
          type: 'plain_text_input',
          action_id: InputIds.mfaCode,
          min_length: 6,
          max_length: 6,
          placeholder: { type: 'plain_text', text: '123456' },
        },
      },
    ],
  };
}

/** A rejection needs a reason: it is shown to the requester and kept in the audit trail. */
export function buildRejectModal(meta: DecisionModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ViewIds.rejectReason,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Reject change' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `Rejecting \`${userText(meta.op)}\`.` } },
      {
        type: 'input',
        block_id: InputIds.reasonBlock,
        label: { type: 'plain_text', text: 'Why?' },
        element: { type: 'plain_text_input', action_id: InputIds.reason, multiline: true, max_length: 500 },
      },
    ],
  };
}

/** Edit of a proposal: the line(s) prefilled; whatever is submitted runs like typed text, one command a line. */
export function buildProposalEditModal(meta: ProposalModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: ViewIds.proposalEdit,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: 'Edit command' },
    submit: { type: 'plain_text', text: 'Run' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'Runs exactly like typing it after `/infra`: changes still show their preview and need someone else to approve.',
        },
      },
      {
        type: 'input',
        block_id: InputIds.proposalBlock,
        label: { type: 'plain_text', text: 'Command (one a line)' },
        element: {
          type: 'plain_text_input',
          action_id: InputIds.proposalLine,
          multiline: meta.lines.length > 1,
          initial_value: truncate(meta.lines.join('\n'), 3000),
          max_length: 3000,
        },
      },
    ],
  };
}

/** Acknowledge / Snooze of an on-call alert: asks why (kept in the audit trail, shown in the alert's thread). */
export function buildAlertReasonModal(meta: AlertModalMetadata): ModalView {
  const what =
    meta.decision === 'acknowledge'
      ? 'Acknowledge'
      : `Snooze ${meta.snooze === 'until-changed' ? 'until it changes' : `for ${meta.snooze ?? ''}`}`;
  return {
    type: 'modal',
    callback_id: ViewIds.alertReason,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: meta.decision === 'acknowledge' ? 'Acknowledge alert' : 'Snooze alert' },
    submit: { type: 'plain_text', text: meta.decision === 'acknowledge' ? 'Acknowledge' : 'Snooze' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${what} \`${userText(meta.key)}\`.` } },
      {
        type: 'input',
        block_id: InputIds.alertReasonBlock,
        label: { type: 'plain_text', text: 'Why?' },
        element: { type: 'plain_text_input', action_id: InputIds.alertReason, multiline: true, max_length: 500 },
      },
    ],
  };
}
