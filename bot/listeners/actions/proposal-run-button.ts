import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildProposalOutcome } from '../../../presentation/slack/proposal-message';
import { userText } from '../../../presentation/slack/escape';
import { textReply } from '../../../presentation/slack/text';
import type { ListenerDeps } from '../../deps';
import { runLines } from '../../understand';
import { alreadyAnswered, claimProposal, dispatchIn, replaceProposalMessage } from './proposal-reply';

/**
 * Run on "I understood: …": the proposal's lines are parsed and dispatched exactly like typed text (there is no
 * other execution path: a proposed deploy starts the normal workflow, with its preview and someone else's
 * approval). Only the person who asked may run it, once; the buttons give way to who ran what and the answers.
 */
export function proposalRunCallback(deps: ListenerDeps) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await args.ack();
    const click = await claimProposal(deps, args);
    if (!click) return;
    const { proposal: p, who } = click;
    // Run twice, or Run after Cancel: the first answer wins.
    if (!(await deps.dedupe.first(`proposal:${p.id}`))) return alreadyAnswered(deps, args.client, p);
    try {
      await deps.gateway.recordProposalDecision(p.id, 'accepted', p.lines, who.requester);
      const answers = await runLines(p.lines, dispatchIn(deps, who, p, 'run'));
      await replaceProposalMessage(args.client, p, buildProposalOutcome('Ran', p.by, p.lines, answers), deps.logger);
    } catch (e) {
      deps.logger.error(`running proposal ${p.id} failed: ${(e as Error).message}`);
      await replaceProposalMessage(
        args.client,
        p,
        buildProposalOutcome('Ran', p.by, p.lines, [textReply(`:x: ${userText((e as Error).message)}`)]),
        deps.logger,
      );
    }
  };
}
