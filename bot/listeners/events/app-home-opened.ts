import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { resolveApprovers } from '../../../core/approval';
import type { OperationState } from '../../../core/operations';
import { buildHomeView } from '../../../presentation/slack/home';
import type { ListenerDeps } from '../../deps';
import { slackIdentity } from '../../identity';

/** App Home: the person's running operations and the approvals waiting for them. */
export function appHomeOpenedCallback(deps: ListenerDeps) {
  return async ({
    event,
    body,
    client,
  }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const who = slackIdentity(deps.config, { userId: event.user, teamId: body.team_id }, body.event_id);
    const me = who.requester.userId;
    const running = (await deps.gateway.list(50)).filter((o) => o.status === 'RUNNING');
    const states = await Promise.all(
      running.slice(0, 25).map((o) =>
        deps.gateway.state(o.operationId).catch((e: unknown) => {
          deps.logger.warn(`App Home: no state for ${o.operationId}: ${(e as Error).message}`);
          return undefined;
        }),
      ),
    );
    const live = states.filter((s): s is OperationState => s !== undefined);
    const mine = live.filter((s) => s.requester.userId === me);
    const waiting = live.filter(
      (s) =>
        s.phase === 'awaiting-approval' &&
        s.requester.userId !== me &&
        !s.approvals.some((a) => a.approver === me) &&
        resolveApprovers(deps.config.environments[s.environment].approval, deps.config.users).includes(me),
    );
    await client.views.publish({ user_id: event.user, view: buildHomeView({ known: who.known, mine, waiting }) });
  };
}
