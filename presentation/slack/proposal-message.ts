import type { types } from '@slack/bolt';
import { isSlotError } from '../../core/commands/parse';
import type { Diagnosis } from '../../core/llm/diagnose';
import type { InterpretResult, Proposal, RefusedCall } from '../../core/llm/interpretation';
import { ActionIds } from './ids';
import type { ProposalButtonValue } from './ids';
import { userText } from './escape';
import { SLACK_LIMITS, escapeMrkdwn, preformatted, truncate } from './text';

type KnownBlock = types.KnownBlock;

/** A message as the listeners post it (the same shape as a command's reply). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: KnownBlock[];
}

type Proposals = Extract<InterpretResult, { kind: 'proposals' }>;

/** What a proposal does, decided by code (core/llm/effects.ts) — the same words as the terminal. */
const EFFECT_NOTE: Readonly<Record<Proposal['effect'], string>> = {
  write: 'changes infrastructure: you will see the preview, and someone else must approve',
  decision: 'acts on an operation',
  read: 'read-only',
};

const EXCERPT_CHARS = 600;
const EVIDENCE_SHOWN = 8;

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) },
});
const context = (text: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) }],
});
const code = (line: string): string => `\`${escapeMrkdwn(line)}\``;

/** At most Slack's 50 blocks; the last one says that more was left out. */
function capBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= SLACK_LIMITS.blocksPerMessage) return blocks;
  return [...blocks.slice(0, SLACK_LIMITS.blocksPerMessage - 1), context('… (more not shown)')];
}

function message(text: string, blocks: KnownBlock[]): SlackMessage {
  return { text: truncate(text, 3000), blocks: capBlocks(blocks) };
}

/** "I understood:" for a model's reading; a near miss is still not understood, so it asks "did you mean". */
function heading(r: Proposals, grammarError: string): string {
  return r.source === 'model' ? 'I understood:' : `:thinking_face: ${escapeMrkdwn(grammarError)}\nDid you mean:`;
}

function understood(r: Proposals, grammarError: string): KnownBlock[] {
  const list = r.proposals.map((p) => `• ${code(p.line)} — ${EFFECT_NOTE[p.effect]}`).join('\n');
  return [section(`${heading(r, grammarError)}\n${list}`), ...refusedBlocks('Not offered', r.refused)];
}

function refusedBlocks(title: string, refused: readonly RefusedCall[]): KnownBlock[] {
  if (!refused.length) return [];
  return [
    context(`${title}:\n${refused.map((x) => `• ${escapeMrkdwn(x.tool)} — ${escapeMrkdwn(x.reason)}`).join('\n')}`),
  ];
}

/**
 * The button value: the longest run of leading lines that fits Slack's 2000 characters (lines are never cut: a
 * cut line would be a different command). Undefined when not even the first fits.
 */
export function proposalButtonValue(id: string, by: string, lines: readonly string[]): string | undefined {
  for (let n = lines.length; n > 0; n--) {
    const v: ProposalButtonValue = { id, by, lines: lines.slice(0, n) };
    const s = JSON.stringify(v);
    if (s.length <= SLACK_LIMITS.buttonValue) return s;
  }
  return undefined;
}

/**
 * Proposals waiting for the person who asked: what each does, anything not offered, and Run / Edit / Cancel.
 * Nothing has run; Run dispatches the lines exactly like typed text (writes: preview, then someone else approves).
 */
export function buildProposalMessage(r: Proposals, askedBy: string, grammarError: string): SlackMessage {
  const lines = r.proposals.map((p) => p.line);
  const value = proposalButtonValue(r.id, askedBy, lines);
  const carried = value ? (JSON.parse(value) as ProposalButtonValue).lines.length : 0;
  const note =
    carried === lines.length
      ? undefined
      : carried === 0
        ? 'Too long to carry in a button: type the command yourself.'
        : `Run takes the first ${carried} step(s) only; type the rest yourself.`;
  const buttons: types.Button[] = value
    ? [
        button('Run', ActionIds.proposalRun, value, 'primary'),
        button('Edit', ActionIds.proposalEdit, value),
        button('Cancel', ActionIds.proposalCancel, value),
      ]
    : [];
  return message(`${r.source === 'model' ? 'I understood' : 'Did you mean'}: ${lines.map(code).join(' ; ')}`, [
    ...understood(r, grammarError),
    ...(note ? [context(note)] : []),
    ...(buttons.length ? [{ type: 'actions', block_id: `proposal`, elements: buttons } satisfies KnownBlock] : []),
  ]);
}

function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): types.Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
  };
}

/** Reads the configuration lets run at once: what was understood, then their answers — no buttons. */
export function buildAutoRunMessage(
  r: Proposals,
  grammarError: string,
  answers: readonly SlackMessage[],
): SlackMessage {
  return message(
    `${r.source === 'model' ? 'I understood' : 'Did you mean'}: ${r.proposals.map((p) => code(p.line)).join(' ; ')} — ran it (read-only)`,
    [...understood(r, grammarError), context('Running it now (read-only).'), ...answers.flatMap((a) => a.blocks)],
  );
}

/** What replaces the buttons once the person answered: who did what, then the commands' own answers. */
export function buildProposalOutcome(
  verb: 'Ran' | 'Cancelled' | 'Edited and ran',
  slackUserId: string,
  lines: readonly string[],
  answers: readonly SlackMessage[] = [],
): SlackMessage {
  const what = verb === 'Cancelled' ? ' — nothing was run' : `: ${lines.map(code).join(' ; ')}`;
  return message(`${verb} by <@${slackUserId}>${what}`, [
    section(`${verb} by <@${slackUserId}>${what}`),
    ...answers.flatMap((a) => a.blocks),
  ]);
}

/** Clarify, refuse and unavailable: a question, a refusal or a failure, with commands to try. */
export function buildInterpretAnswer(
  r: Extract<InterpretResult, { kind: 'clarify' | 'refuse' | 'unavailable' }>,
  grammarError: string,
): SlackMessage {
  switch (r.kind) {
    case 'clarify': {
      // Something the product does not do is said plainly, without the grammar's "I did not understand".
      // A command whose words matched but a value did not keeps the grammar's answer: it names the field.
      const q =
        r.source === 'model' || (r.unsupported && !isSlotError(grammarError))
          ? r.question
          : `${grammarError}\n${r.question}`;
      return message(`:thinking_face: ${userText(q)}`, [
        section(`:thinking_face: ${escapeMrkdwn(q)}`),
        ...suggestions('Try:', r.suggestions),
      ]);
    }
    case 'refuse':
      return message(`:no_entry: ${userText(r.reason)}`, [
        section(`:no_entry: ${escapeMrkdwn(r.reason)}`),
        ...refusedBlocks('Refused', r.refused ?? []),
      ]);
    case 'unavailable':
      return message(`:warning: ${userText(r.reason)}`, [
        section(`:warning: ${escapeMrkdwn(r.reason)}`),
        ...suggestions('Closest commands:', r.suggestions),
      ]);
  }
}

function suggestions(title: string, lines: readonly string[]): KnownBlock[] {
  return lines.length ? [section(`${title}\n${lines.map((l) => `• ${code(l)}`).join('\n')}`)] : [];
}

/** A diagnosis: the summary, each read it relied on with an excerpt, anything refused, and what stopped it. */
export function buildDiagnosisMessage(d: Diagnosis): SlackMessage {
  const shown = d.evidence.slice(0, EVIDENCE_SHOWN);
  const evidence = shown.flatMap((e) => [
    section(`${e.ok ? ':white_check_mark:' : ':x:'} ${code(e.line)}`),
    ...(e.excerpt.trim() ? preformatted(truncate(e.excerpt, EXCERPT_CHARS), 1) : []),
  ]);
  const more = d.evidence.length - shown.length;
  const tokens = d.usage.inputTokens + d.usage.outputTokens;
  return message(`:mag: ${userText(d.summary)}`, [
    section(`:mag: ${escapeMrkdwn(d.summary)}`),
    ...(evidence.length ? [section('*Evidence*'), ...evidence] : []),
    ...(more > 0 ? [context(`… and ${more} more read(s)`)] : []),
    ...refusedBlocks('Refused (diagnosis only reads)', d.refused),
    context(`stopped by: ${d.stoppedBy} · ${d.usage.calls} model call(s), ${tokens} tokens`),
  ]);
}
