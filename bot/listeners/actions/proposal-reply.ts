import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  Logger,
  SlackActionMiddlewareArgs,
  webApi,
} from '@slack/bolt';
import type { StackOperationInput } from '../../../workflows/definitions';
import type { ProposalModalMetadata } from '../../../presentation/slack/ids';
import { parseProposalValue } from '../../../presentation/slack/ids';
import { userText } from '../../../presentation/slack/escape';
import type { SlackMessage } from '../../../presentation/slack/proposal-message';
import type { ListenerDeps } from '../../deps';
import type { SlackIdentity } from '../../identity';
import { slackIdentity } from '../../identity';
import { forStep, isFailure, runCommand } from '../../run-command';
import type { DispatchLine } from '../../understand';
import { whisper } from '../reply';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** A click on Run / Edit / Cancel by the person who asked, with where its message is and where operations report. */
export interface ProposalClick {
  readonly proposal: ProposalModalMetadata;
  readonly who: SlackIdentity;
}

/**
 * The proposal a button carries, when the clicker may answer it: only the person who asked (anyone else hears so,
 * privately, and nothing runs). A repeat delivery of the same click (same user and action ts) is dropped.
 */
export async function claimProposal(
  deps: ListenerDeps,
  { body, action, client }: ButtonArgs,
): Promise<ProposalClick | undefined> {
  if (!(await deps.dedupe.first(`action:${body.user.id}:${action.action_ts}`))) return undefined;
  const value = parseProposalValue(action.value);
  if (!value) return undefined;
  const channel = body.channel?.id ?? String(body.container.channel_id ?? '');
  if (body.user.id !== value.by) {
    await whisper(
      client,
      { channel, user: body.user.id, ...(body.message?.thread_ts ? { threadTs: String(body.message.thread_ts) } : {}) },
      `:lock: Only ${slackMention(value.by)} can answer this proposal. To run it yourself, type the command: \`${userText(value.lines.join(' ; '))}\``,
      deps.logger,
    );
    return undefined;
  }
  // Ephemeral messages (slash commands) come without `message`: they are replaced through the response_url.
  const proposal: ProposalModalMetadata = {
    ...value,
    channel,
    ...(body.message ? { messageTs: body.message.ts } : { responseUrl: body.response_url }),
    ...(body.message?.thread_ts ? { threadTs: String(body.message.thread_ts) } : {}),
  };
  const base = value.id.replace(/^interpret\//, '');
  // The request id comes from the interpretation, so another bot instance answering a retry starts nothing new.
  const who = slackIdentity(deps.config, { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id }, base);
  return { proposal, who };
}

/** `<@U…>` for a Slack user id; anything else (a value not made by this bot) as escaped text. */
const slackMention = (id: string): string => (/^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : userText(id));

/** Runs the lines like typed text, in the proposal's conversation (and thread); stops at the first failure. */
export function dispatchIn(
  deps: ListenerDeps,
  who: SlackIdentity,
  p: ProposalModalMetadata,
  step: string,
): DispatchLine {
  const where: NonNullable<StackOperationInput['notify']> = {
    channel: p.channel,
    ...(p.threadTs ? { threadTs: p.threadTs } : {}),
  };
  return async (line, i) => {
    const reply = await runCommand(deps, forStep(who, `${step}-${i}`), line, where);
    return { answer: reply, ok: !isFailure(reply) };
  };
}

/** Replaces the proposal's message (buttons and all): chat.update for a real message, response_url for an ephemeral one. */
export async function replaceProposalMessage(
  client: webApi.WebClient,
  p: ProposalModalMetadata,
  m: SlackMessage,
  logger?: Logger,
): Promise<void> {
  try {
    if (p.messageTs) {
      await client.chat.update({ channel: p.channel, ts: p.messageTs, text: m.text, blocks: m.blocks });
      return;
    }
    if (!p.responseUrl) return;
    const r = await fetch(p.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, response_type: 'ephemeral', text: m.text, blocks: m.blocks }),
    });
    if (!r.ok) throw new Error(`response_url answered HTTP ${r.status}`);
  } catch (e) {
    logger?.warn(`could not update the proposal in ${p.channel}: ${(e as Error).message}`);
  }
}

/** Tells the clicker that this proposal was answered already (Run, Cancel or an Edit went first). */
export async function alreadyAnswered(
  deps: ListenerDeps,
  client: webApi.WebClient,
  p: ProposalModalMetadata,
): Promise<void> {
  await whisper(
    client,
    { channel: p.channel, user: p.by, ...(p.threadTs ? { threadTs: p.threadTs } : {}) },
    'This proposal was already answered; nothing more was run.',
    deps.logger,
  );
}
