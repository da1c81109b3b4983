import type { types } from '@slack/bolt';
import type { OperationState } from '../../core/operations';
import { truncate } from './text';

/** What App Home shows one person. */
export interface HomeProps {
  readonly known: boolean;
  readonly mine: readonly OperationState[];
  readonly waiting: readonly OperationState[];
}

const line = (s: OperationState): string =>
  truncate(`• \`${s.operationId}\` [${s.environment.toUpperCase()}] ${s.kind} ${s.target} — ${s.phase}`, 300);

/** App Home: the person's running operations, then the approvals waiting for them. */
export function buildHomeView(p: HomeProps): types.HomeView {
  const section = (title: string, items: readonly OperationState[], empty: string): types.KnownBlock[] => [
    { type: 'header', text: { type: 'plain_text', text: title } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(items.length ? items.map(line).join('\n') : empty, 3000) },
    },
  ];
  return {
    type: 'home',
    blocks: [
      ...section('Your running operations', p.mine, 'Nothing running. Try `/infra deploy stack vpc to dev`.'),
      ...section('Waiting for your approval', p.waiting, 'No approvals are waiting for you.'),
      ...(p.known
        ? []
        : [
            {
              type: 'context',
              elements: [{ type: 'mrkdwn', text: 'You are not in the user list: read-only commands only.' }],
            } satisfies types.KnownBlock,
          ]),
    ],
  };
}
