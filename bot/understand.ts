import type { AppConfig } from '../core/config';
import type { Requester } from '../core/requester';
import {
  buildAutoRunMessage,
  buildDiagnosisMessage,
  buildInterpretAnswer,
  buildProposalMessage,
} from '../presentation/slack/proposal-message';
import { textReply } from '../presentation/slack/text';
import type { BotDeps } from './deps';
import type { SlackIdentity } from './identity';

/** An answer to the person who asked (the shape runCommand returns). */
export interface Answer {
  readonly text: string;
  readonly blocks: ReturnType<typeof textReply>['blocks'];
}

/**
 * Runs one command line exactly like typed text (`step` keeps each step's request id distinct); `ok` is false when
 * it was refused or failed.
 */
export type DispatchLine = (line: string, step: number) => Promise<{ readonly answer: Answer; readonly ok: boolean }>;

/** A leading `@infra-agent` (as Slack sends a mention) is not part of what the person means. */
const MENTION = /^\s*(<@[A-Z0-9]+>|@infra-agent)\s*/i;

/**
 * Free text the grammar did not parse, for a Slack person: what cli/understand.ts does, with the same decisions.
 * The gateway interprets (model, or the near-miss matcher without one); proposals wait for Run / Edit / Cancel,
 * except reads the configuration lets run at once; questions get the read-only diagnosis.
 */
export async function understand(
  deps: BotDeps,
  who: SlackIdentity,
  text: string,
  grammarError: string,
  dispatch: DispatchLine,
): Promise<Answer> {
  const gw = deps.gateway;
  try {
    const r = await gw.interpret(text.replace(MENTION, ''), who.requester);
    switch (r.kind) {
      case 'proposals': {
        if (!r.proposals.every((p) => p.autoRun))
          return buildProposalMessage(r, slackUserIdOf(deps.config, who.requester), grammarError);
        const lines = r.proposals.map((p) => p.line);
        await gw.recordProposalDecision(r.id, 'accepted', lines, who.requester);
        return buildAutoRunMessage(r, grammarError, await runLines(lines, dispatch));
      }
      case 'diagnose':
        return buildDiagnosisMessage(await gw.diagnose(r.question, who.requester));
      default:
        return buildInterpretAnswer(r, grammarError);
    }
  } catch (e) {
    deps.logger?.error(`understanding '${text.slice(0, 80)}' failed: ${(e as Error).message}`);
    return textReply(`:x: I could not work out what you meant (${(e as Error).message}). Try \`help\`.`);
  }
}

/** Runs the lines in order; a multi-step proposal stops at the first step that fails or is refused. */
export async function runLines(lines: readonly string[], dispatch: DispatchLine): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const [i, line] of lines.entries()) {
    const { answer, ok } = await dispatch(line, i);
    answers.push(answer);
    if (!ok) break;
  }
  return answers;
}

/** The Slack user id behind a requester: the config's mapping, or the id an unknown person is known by. */
export function slackUserIdOf(config: AppConfig, r: Requester): string {
  return config.users[r.userId]?.slack?.userId ?? r.userId.replace(/^slack:/, '');
}
