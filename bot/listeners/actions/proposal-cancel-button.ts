import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildProposalOutcome } from '../../../presentation/slack/proposal-message';
import type { ListenerDeps } from '../../deps';
import { alreadyAnswered, claimProposal, replaceProposalMessage } from './proposal-reply';

/** Cancel on "I understood: …": nothing runs, the decline is audited, and the message says who cancelled. */
export function proposalCancelCallback(deps: ListenerDeps) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await args.ack();
    const click = await claimProposal(deps, args);
    if (!click) return;
    const { proposal: p, who } = click;
    if (!(await deps.dedupe.first(`proposal:${p.id}`))) return alreadyAnswered(deps, args.client, p);
    try {
      await deps.gateway.recordProposalDecision(p.id, 'declined', p.lines, who.requester);
    } catch (e) {
      // Run already (from another bot instance): the message must not say cancelled.
      if ((e as Error).name === 'OperationConflict') return alreadyAnswered(deps, args.client, p);
      // Nothing ran either way; the person still sees the proposal go.
      deps.logger.warn(`could not audit the decline of ${p.id}: ${(e as Error).message}`);
    }
    await replaceProposalMessage(args.client, p, buildProposalOutcome('Cancelled', p.by, p.lines), deps.logger);
  };
}
