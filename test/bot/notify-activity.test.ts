import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { NotifyOperationInput, NotifyOperationResult } from '../../activities/notify/notify-operation';
import { createNotifyActivities } from '../../activities/notify/notify-operation';
import { createSlackNotifier } from '../../adapters/slack/slack-notifier';
import { createActivityWebClient } from '../../adapters/slack/web-client';
import { createOperationMessages } from '../../presentation/slack/operation-messages';
import type { OperationState } from '../../core/operations';
import { FakeSlack } from '../support/fake-slack/server';
import { testConfig } from '../support/sandbox';

const state: OperationState = {
  operationId: 'stack/dev/vpc',
  kind: 'deploy-stack',
  environment: 'dev',
  target: 'infra-agent-dev-vpc',
  requester: { userId: 'alice', displayName: 'Alice', via: 'slack', requestId: 'r1' },
  startedAt: '2026-01-01T00:00:00.000Z',
  phase: 'validating',
  findings: [],
  approvalsRequired: 1,
  approvals: [],
  events: [],
};

describe('notifyOperation activity with the real WebClient against a local Slack', () => {
  let fake: FakeSlack;
  let acts: ReturnType<typeof createNotifyActivities>;

  beforeAll(async () => {
    fake = await FakeSlack.start();
    const client = createActivityWebClient({ botToken: 'xoxb-test', apiUrl: fake.apiUrl, timeoutMs: 2000 });
    acts = createNotifyActivities({
      notifier: createSlackNotifier({ client }),
      messages: createOperationMessages(testConfig()),
    });
  });
  afterAll(() => fake.stop());

  // MockActivityEnvironment.run does not infer the result type from the function: name it.
  const attempt = (n: number, input: NotifyOperationInput): Promise<NotifyOperationResult> =>
    new MockActivityEnvironment({
      attempt: n,
      workflowExecution: { workflowId: 'stack/dev/vpc', runId: `run-${input.channel}` },
    }).run<[NotifyOperationInput], NotifyOperationResult, typeof acts.notifyOperation>(
      (i) => acts.notifyOperation(i),
      input,
    );

  it('GIVEN a post whose response was lost WHEN the activity is retried THEN it finds the message instead of posting it twice', async () => {
    fake.loseNextResponse('chat.postMessage');
    const input = { channel: 'C0LOST', state, event: 'requested' } as const;
    await expect(attempt(1, input)).rejects.toThrow();
    const second = await attempt(2, input);
    expect(fake.messagesIn('C0LOST')).toHaveLength(1);
    expect(second.messageTs).toBe(fake.messagesIn('C0LOST')[0]?.ts);
    expect(fake.callsOf('conversations.history')).toHaveLength(1);
  });

  it('GIVEN Slack answers 429 with Retry-After THEN the activity fails retryably with that delay (the WebClient itself does not retry)', async () => {
    fake.failNext('chat.postMessage', 429, 1, 7);
    const err = await attempt(1, { channel: 'C0BUSY', state, event: 'requested' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'TransientFailure', nonRetryable: false, nextRetryDelay: 7000 });
    expect(fake.callsOf('chat.postMessage:429')).toHaveLength(1);
    expect(fake.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0BUSY')).toHaveLength(0);
  });

  it('GIVEN several posts to one channel THEN they are paced about a second apart', async () => {
    const first = await attempt(1, { channel: 'C0PACE', state, event: 'requested' });
    await attempt(1, {
      channel: 'C0PACE',
      messageTs: first.messageTs,
      state: { ...state, phase: 'executing' },
      event: 'executing',
    });
    const posts = fake.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0PACE');
    expect(posts).toHaveLength(2);
    expect((posts[1]?.at ?? 0) - (posts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(fake.messagesIn('C0PACE').find((m) => m.ts === first.messageTs)?.text).toContain(
      'executing the approved change',
    );
  });
});
