import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { parseCommand } from '../../../core/commands/parse';
import { isTooLong, tooLongText } from '../../../core/limits';
import { InputIds, parseProposalValue } from '../../../presentation/slack/ids';
import { buildProposalOutcome } from '../../../presentation/slack/proposal-message';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';
import { runLines } from '../../understand';
import { dispatchIn, replaceProposalMessage } from '../actions/proposal-reply';
import { sealedMetadata } from './sealed';

/**
 * The Edit modal's submit: the edited text runs like typed text, one command a line, where the proposal was.
 * The grammar is checked here, inside Slack's 3 seconds, so a line that is not a command is shown in the modal;
 * permissions are checked when each line runs, as for typing it. The proposal as made counts as declined.
 */
export function proposalEditSubmitCallback(deps: ListenerDeps) {
  return async (args: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const { ack, body, view, client } = args;
    const sealed = await sealedMetadata(deps, args, {
      refusedAs: 'proposal-refused',
      errorBlock: InputIds.proposalBlock,
    });
    if (sealed === undefined) return;
    const p = parseProposalValue(sealed);
    const text = view.state.values[InputIds.proposalBlock]?.[InputIds.proposalLine]?.value ?? '';
    const fail = (message: string) =>
      ack({ response_action: 'errors', errors: { [InputIds.proposalBlock]: message.slice(0, 2000) } });
    if (!p) return void (await fail('This form is no longer valid; ask again.'));
    if (body.user.id !== p.by) return void (await fail('Only the person who asked can answer this proposal.'));
    const lines = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    if (!lines.length) return void (await fail('Type a command, e.g. `deploy stack vpc to dev`.'));
    if (isTooLong(text)) return void (await fail(tooLongText(text.length)));
    const gw = deps.gateway;
    for (const line of lines) {
      const parsed = parseCommand(line, {
        stacks: gw.stackNames,
        services: gw.serviceNames,
        releases: gw.releaseNames,
      });
      if (!parsed.ok) {
        const closest = parsed.suggestions.length ? ` Closest: ${parsed.suggestions.slice(0, 3).join(' | ')}` : '';
        return void (await fail(`\`${line}\`: ${parsed.error}.${closest}`));
      }
    }
    // A retried submission, or Run/Cancel pressed while the modal was open: the first answer wins.
    if (!(await deps.dedupe.first(`proposal:${p.id}`))) return void (await fail('This proposal was already answered.'));
    await ack();
    const who = slackIdentity(
      deps.config,
      { userId: body.user.id, teamId: body.user.team_id ?? body.team?.id },
      p.id.replace(/^interpret\//, ''),
    );
    try {
      await gw.recordProposalDecision(p.id, 'declined', p.lines, who.requester);
    } catch (e) {
      deps.logger.warn(`could not audit the edit of ${p.id}: ${(e as Error).message}`);
    }
    const answers = await runLines(lines, dispatchIn(deps, who, p, 'edit'));
    await replaceProposalMessage(client, p, buildProposalOutcome('Edited and ran', p.by, lines, answers), deps.logger);
  };
}
