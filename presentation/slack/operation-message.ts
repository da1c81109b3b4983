import type { types } from '@slack/bolt';
import type { EnvironmentConfig } from '../../core/environments';
import type { OperationState } from '../../core/operations';
import { promotionLines } from '../../core/promotion';
import { rolloutLines } from '../../core/rollout/summary';
import { configGateLines } from '../../core/security/gate';
import { PHASE_TEXT, summarizeChanges } from '../../core/operations';
import type { ValidationFinding } from '../../core/validation';
import type { DecisionButtonValue } from './ids';
import { ActionIds } from './ids';
import { userText } from './escape';
import { SLACK_LIMITS, escapeMrkdwn, preformatted, truncate } from './text';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** What the status message needs besides the operation state: the target's facts from config. */
export interface OperationMessageContext {
  readonly env: Pick<EnvironmentConfig, 'name' | 'account' | 'region' | 'cluster' | 'approval'>;
  /** `<@U…>` for a config user with a Slack id, else their display name. */
  readonly mention: (userId: string) => string;
  readonly operationUrl?: string;
}

const MARK: Readonly<Record<string, string>> = { Add: '+', Modify: '~', Remove: '-', Import: '>', Dynamic: '?' };
const OUTCOME_ICON: Readonly<Record<NonNullable<OperationState['outcome']>, string>> = {
  succeeded: ':white_check_mark:',
  'no-changes': ':white_check_mark:',
  rejected: ':no_entry:',
  expired: ':hourglass:',
  cancelled: ':heavy_multiplication_x:',
  'validation-failed': ':x:',
  frozen: ':snowflake:',
  failed: ':x:',
  'rolled-back': ':leftwards_arrow_with_hook:',
  aborted: ':octagonal_sign:',
};

const VERB: Readonly<Record<OperationState['kind'], string>> = {
  'deploy-stack': 'Deploy',
  'delete-stack': 'Delete',
  'remediate-stack': 'Remediate drift of',
  'remediate-service': 'Remediate drift of',
  rollout: 'Rollout',
  rollback: 'Rollback',
  'helm-release': 'Helm',
  reap: 'Reap',
  promotion: 'Promote',
};

/** The operation's one status message: request and target, preview, buttons or decision, outcome. */
export function buildOperationMessage(
  s: OperationState,
  ctx: OperationMessageContext,
): { text: string; blocks: KnownBlock[] } {
  const env = s.environment.toUpperCase();
  const verb = VERB[s.kind];
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`[${env}] ${verb} ${s.target}`, SLACK_LIMITS.headerText) },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Environment*\n${env}` },
        { type: 'mrkdwn', text: `*Account / region*\n${ctx.env.account} / ${ctx.env.region}` },
        { type: 'mrkdwn', text: `*Requested by*\n${ctx.mention(s.requester.userId)}` },
        { type: 'mrkdwn', text: `*Cluster*\n${ctx.env.cluster?.name ?? '—'}` },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `${ctx.operationUrl ? `<${ctx.operationUrl}|${s.operationId}>` : `\`${s.operationId}\``} · ${PHASE_TEXT[s.phase]}`,
            SLACK_LIMITS.sectionText,
          ),
        },
      ],
    },
  ];
  if (s.findings.length) blocks.push(...findingBlocks(s.findings));
  // A stack deploy's trivy config verdict (security.scanStackTemplates), blocked or not.
  if (s.configGate) blocks.push(...preformatted(configGateLines(s.configGate).join('\n'), 2));
  if (s.promotion) blocks.push(...preformatted(promotionLines(s.promotion).join('\n'), 4));
  else if (s.rollout) blocks.push(...preformatted(rolloutLines(s).join('\n'), 4));
  else if (s.preview) blocks.push(...previewBlocks(s));
  blocks.push(...decisionBlocks(s, ctx));
  blocks.push(...rolloutControlBlocks(s));
  blocks.push(...reapNoticeBlocks(s));
  if (s.outcome) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `${OUTCOME_ICON[s.outcome]} *${s.outcome}*: ${escapeMrkdwn(s.message ?? '')}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    });
  }
  // The notification text is mrkdwn too: a rejection's reason (user text) inside it must not ping anyone.
  const text = `[${env}] ${verb} ${s.target} (${ctx.env.account}, ${ctx.env.region}): ${s.outcome ? `${s.outcome} — ${userText(s.message ?? '')}` : PHASE_TEXT[s.phase]}`;
  return { text: truncate(text, 3000), blocks: blocks.slice(0, SLACK_LIMITS.blocksPerMessage) };
}

function previewBlocks(s: OperationState): KnownBlock[] {
  const p = s.preview;
  if (!p) return [];
  const { counts, warnings } = summarizeChanges(p.changes);
  const width = Math.max(10, ...p.changes.map((c) => c.logicalId.length));
  const lines = p.changes.flatMap((c) => [
    `${MARK[c.action] ?? '?'} ${c.logicalId.padEnd(width)} ${c.resourceType}${c.replacement === 'True' ? '  (REPLACEMENT)' : c.replacement === 'Conditional' ? '  (may be replaced)' : ''}`,
    // A drift-aware change set: each drifted property, live → template, under its resource.
    ...(c.revert ?? []).map((l) => `    ${l}`),
  ]);
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*${s.kind === 'delete-stack' ? 'Resources to delete' : s.kind === 'remediate-stack' ? 'Drifted resources put back to the template' : s.kind === 'remediate-service' ? 'Drifted Deployments put back to the last rollout (live → applied)' : 'Change set'}*: ${counts}`,
      },
    },
    ...(lines.length ? preformatted(lines.join('\n'), 4) : []),
    ...helmDiffBlocks(s),
    ...warnings.slice(0, 5).map((w): KnownBlock => ({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`:warning: ${escapeMrkdwn(w)}`, SLACK_LIMITS.sectionText) },
    })),
  ];
}

/**
 * A Helm change's field-level diff (`spec.replicas: 2 → 3` per object, bounded by the workflow) and the hooks that
 * would run: the card carries the diff it approves.
 */
function helmDiffBlocks(s: OperationState): KnownBlock[] {
  const p = s.preview;
  if (s.kind !== 'helm-release' || !p) return [];
  const fields = p.changes
    .filter((c) => c.scope?.length)
    .flatMap((c) => [
      `${MARK[c.action] ?? '?'} ${c.resourceType} ${c.logicalId}`,
      ...(c.scope ?? []).map((f) => `    ${f}`),
    ]);
  const hooks = p.hooks ?? [];
  return [
    ...(fields.length
      ? [
          { type: 'section', text: { type: 'mrkdwn', text: '*Field changes*' } } as KnownBlock,
          ...preformatted(fields.join('\n'), 4),
        ]
      : []),
    ...(hooks.length
      ? [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: '*Hooks that run* (not counted as changes)' },
          } as KnownBlock,
          ...preformatted(hooks.join('\n'), 1),
        ]
      : []),
  ];
}

function findingBlocks(findings: readonly ValidationFinding[]): KnownBlock[] {
  const lines = findings.map(
    (f) =>
      `${f.severity.toUpperCase().padEnd(7)} ${f.control ? `[${f.control}] ` : ''}${f.rule}${f.resource ? ` ${f.resource}` : ''}: ${f.message}`,
  );
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*Validation*: ${findings.length} finding(s)` } },
    ...preformatted(lines.join('\n'), 3),
  ];
}

function decisionBlocks(s: OperationState, ctx: OperationMessageContext): KnownBlock[] {
  const out: KnownBlock[] = [];
  const fmt = (iso: string): string =>
    `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;
  for (const a of s.approvals) {
    out.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:white_check_mark: Approved by ${ctx.mention(a.approver)} at ${fmt(a.at)}${a.mfa ? ' (MFA verified)' : ''}`,
        },
      ],
    });
  }
  if (s.rejection) {
    out.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `:no_entry: Rejected by ${ctx.mention(s.rejection.by)} at ${fmt(s.rejection.at)}: ${escapeMrkdwn(s.rejection.reason)}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    });
  }
  const waiting =
    s.phase === 'awaiting-approval' && !s.outcome && !s.rejection && s.approvals.length < s.approvalsRequired;
  if (waiting && s.preview) {
    const value: DecisionButtonValue = { op: s.operationId, artifact: s.preview.artifactId };
    const v = JSON.stringify(value);
    const button = (text: string, action: string, style: 'primary' | 'danger'): Button => ({
      type: 'button',
      text: { type: 'plain_text', text },
      action_id: action,
      style,
      value: truncate(v, SLACK_LIMITS.buttonValue),
    });
    out.push(
      {
        type: 'actions',
        elements: [button('Approve', ActionIds.approve, 'primary'), button('Reject', ActionIds.reject, 'danger')],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Needs ${s.approvalsRequired - s.approvals.length} more approval(s)${s.approvalDeadline ? `, before ${fmt(s.approvalDeadline)} (then it is discarded)` : ''}${ctx.env.approval.mfa ? ' · approvers confirm with an MFA code' : ''} · the requester cannot approve`,
          },
        ],
      },
    );
  }
  return out;
}

/**
 * Keep during a reap's notice (DEV only): anyone in the user list may keep the resource — the click runs
 * `keep <resource> <env>` for them (bot/listeners/actions/reap-keep-button.ts). Gone once the notice is over.
 */
function reapNoticeBlocks(s: OperationState): KnownBlock[] {
  if (s.kind !== 'reap' || s.phase !== 'notice' || s.outcome) return [];
  const until = s.approvalDeadline ? ` until ${s.approvalDeadline}` : '';
  return [
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Keep' },
          action_id: ActionIds.reapKeep,
          style: 'primary',
          value: s.operationId,
        },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Deleted after the notice${until}, unless someone in the user list keeps it (Keep, or \`keep ${s.target} ${s.environment}\`)`,
        },
      ],
    },
  ];
}

/**
 * Pause (or Resume) and Abort while a rollout's traffic moves: after approval, before it finishes or rolls back.
 * The workflow's update validators decide who may (requester or approvers); the gateway audits refusals.
 */
function rolloutControlBlocks(s: OperationState): KnownBlock[] {
  const r = s.rollout;
  const moving =
    s.kind === 'rollout' &&
    r !== undefined &&
    !s.outcome &&
    s.approvals.length >= s.approvalsRequired &&
    !['rolling-back', 'scaling-down', 'verifying', 'done'].includes(s.phase);
  if (!moving) return [];
  const button = (text: string, action: string, style?: 'danger'): Button => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: action,
    value: s.operationId,
    ...(style ? { style } : {}),
  });
  const abort: Button = {
    ...button('Abort', ActionIds.rolloutAbort, 'danger'),
    confirm: {
      title: { type: 'plain_text', text: 'Abort the rollout?' },
      text: { type: 'mrkdwn', text: `All traffic goes back to *${r.fromColour}*; ${r.toColour} is scaled to 0.` },
      confirm: { type: 'plain_text', text: 'Abort' },
      deny: { type: 'plain_text', text: 'Keep going' },
    },
  };
  return [
    {
      type: 'actions',
      elements: [r.paused ? button('Resume', ActionIds.rolloutResume) : button('Pause', ActionIds.rolloutPause), abort],
    },
  ];
}
