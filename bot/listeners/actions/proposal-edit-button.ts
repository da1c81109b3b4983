import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildProposalEditModal } from '../../../presentation/slack/modals';
import type { ListenerDeps } from '../../deps';
import { sealView } from '../../view-seal';
import { claimProposal } from './proposal-reply';

/**
 * Edit on "I understood: …": a modal with the line(s) prefilled. Opening it answers nothing (the person may close
 * it and press Run); its submission runs the edited text like typed text (views/proposal-edit-submit.ts).
 */
export function proposalEditCallback(deps: ListenerDeps) {
  return async (args: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await args.ack();
    const click = await claimProposal(deps, args);
    if (!click) return;
    // trigger_id is valid for 3 seconds: open the modal before anything slow.
    try {
      const view = sealView(buildProposalEditModal(click.proposal), deps.viewSealKey, args.body.user.id);
      await args.client.views.open({ trigger_id: args.body.trigger_id, view });
    } catch (e) {
      deps.logger.warn(`could not open the edit form for ${click.proposal.id}: ${(e as Error).message}`);
    }
  };
}
