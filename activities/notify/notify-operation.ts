import { ApplicationFailure, Context } from '@temporalio/activity';
import type { OperationState } from '../../core/operations';
import { userText } from '../../presentation/slack/escape';

/** A phase change worth telling people about. */
export type OperationEvent = 'requested' | 'preview-ready' | 'approved' | 'rejected' | 'executing' | 'done';

/** A message ready to send: `text` is the notification/fallback text, `blocks` the Block Kit layout. */
export interface RenderedMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

/** The chat system, reduced to what operations need: post a message, update one in place. */
export interface NotifierPort {
  /**
   * Posts a message (as a thread reply when `threadTs` is set) and returns its ts. `key` is stored with the
   * message so a retry can find it instead of posting it twice.
   */
  post(m: { channel: string; threadTs?: string; key: string } & RenderedMessage): Promise<{ ts: string }>;
  /** The ts of a message posted earlier with `key` (recent messages only), if any. */
  findPosted(m: { channel: string; threadTs?: string; key: string }): Promise<string | undefined>;
  update(m: { channel: string; ts: string } & RenderedMessage): Promise<void>;
  /**
   * Sends a text file to one person in a direct message with the bot (never a channel: files cannot be
   * ephemeral, and what is sent this way — full pod logs — may hold data only that person asked to see).
   */
  sendFileToUser(f: {
    readonly slackUserId: string;
    readonly filename: string;
    readonly title: string;
    readonly content: string;
    readonly comment: string;
  }): Promise<{ fileId: string; channel: string }>;
  /** Uploads a file into a channel (a thread when `threadTs` is set): a scheduled report's chart. */
  postFile(f: {
    readonly channel: string;
    readonly threadTs?: string;
    readonly bytes: Buffer;
    readonly filename: string;
    readonly title: string;
    readonly altText: string;
  }): Promise<{ fileId: string }>;
}

/** What a NotifierPort throws when the chat system asks to slow down (matched by name, as AWS errors are). */
export interface RateLimitedError extends Error {
  readonly name: 'RateLimited';
  readonly retryAfterMs: number;
}

const isRateLimited = (e: unknown): e is RateLimitedError =>
  e instanceof Error && e.name === 'RateLimited' && typeof (e as Partial<RateLimitedError>).retryAfterMs === 'number';

/** How an operation looks in chat; injected by the composition root (the bot's Block Kit builders). */
export interface OperationMessages {
  /** The status message: the request, its target, the preview and buttons, then the outcome. */
  status(state: OperationState): RenderedMessage;
  /** A short thread reply for an event, or undefined for events that only update the status message. */
  event(state: OperationState, event: OperationEvent): RenderedMessage | undefined;
}

export interface NotifyDeps {
  readonly notifier: NotifierPort;
  readonly messages: OperationMessages;
}

/** Input of `notifyOperation`: JSON-safe, recorded in history (so it never holds secrets). */
export interface NotifyOperationInput {
  readonly channel: string;
  /** The thread the operation lives in, if it was requested inside one. */
  readonly threadTs?: string;
  /** The status message posted earlier; absent until the first successful post. */
  readonly messageTs?: string;
  readonly state: OperationState;
  readonly event: OperationEvent;
}

export interface NotifyOperationResult {
  readonly messageTs: string;
}

/** Input of `alertOperation`: a failed operation, raised to an on-call channel. */
export interface AlertOperationInput {
  readonly channel: string;
  readonly state: OperationState;
  /** Where the operation's own status message lives, for a pointer in the alert. */
  readonly statusChannel?: string;
}

/** The on-call alert for a failed operation: which environment, what, who asked, why it failed. */
export function renderOperationAlert(input: AlertOperationInput): RenderedMessage {
  const s = input.state;
  const text =
    (s.outcome === undefined && s.rollout?.attention
      ? `:rotating_light: [${s.environment.toUpperCase()}] ${s.kind} ${s.target} needs attention: ${userText(s.rollout.attention)}`
      : s.outcome === undefined && s.rollout?.overdueSince
        ? `:hourglass: [${s.environment.toUpperCase()}] ${s.kind} ${s.target} is overdue: still ${s.phase} after its time budget` +
          ` (since ${s.rollout.overdueSince}); it was not stopped — follow it or abort it`
        : `:rotating_light: [${s.environment.toUpperCase()}] ${s.kind} ${s.target} ${s.outcome ?? 'failed'}: ${userText(s.message ?? 'no reason given')}`) +
    // A reason and a display name are user text: in a channel they must never ping anyone.
    ` — operation ${s.operationId}, requested by ${userText(s.requester.displayName)}` +
    (input.statusChannel ? ` (status in <#${input.statusChannel}>)` : '');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }] };
}

/** Posts or updates an operation's status message in Slack, and replies in its thread on events. */
export function createNotifyActivities(deps: NotifyDeps) {
  return {
    /** Raises a failed operation in the on-call channel, once (a retry finds its earlier post by key). */
    async alertOperation(input: AlertOperationInput): Promise<{ ts: string }> {
      const info = Context.current().info;
      const attention = input.state.rollout?.attention ? `attention:${input.state.rollout.attention.slice(0, 60)}` : '';
      const key = `${info.workflowExecution?.runId ?? info.activityId}|alert|${input.state.outcome ?? (attention || 'overdue')}`;
      const m = { channel: input.channel, key, ...renderOperationAlert(input) };
      try {
        const earlier = info.attempt > 1 ? await deps.notifier.findPosted(m) : undefined;
        return { ts: earlier ?? (await deps.notifier.post(m)).ts };
      } catch (e) {
        if (isRateLimited(e)) {
          throw ApplicationFailure.create({
            type: 'TransientFailure',
            message: e.message,
            nextRetryDelay: e.retryAfterMs,
          });
        }
        throw e;
      }
    },

    async notifyOperation(input: NotifyOperationInput): Promise<NotifyOperationResult> {
      try {
        const info = Context.current().info;
        // Activities run at least once: a retry first looks for what an earlier attempt may have posted.
        const post = async (m: { channel: string; threadTs?: string; key: string } & RenderedMessage) => {
          const earlier = info.attempt > 1 ? await deps.notifier.findPosted(m) : undefined;
          return earlier ?? (await deps.notifier.post(m)).ts;
        };
        const runKey = info.workflowExecution?.runId ?? info.activityId;
        const status = deps.messages.status(input.state);
        if (!input.messageTs) {
          // First contact (or Slack was down until now): the status message itself carries the current state,
          // so no event reply is needed — and a retry after a lost response re-posts one message, not two.
          const ts = await post({
            channel: input.channel,
            ...(input.threadTs ? { threadTs: input.threadTs } : {}),
            key: `${runKey}|status`,
            ...status,
          });
          return { messageTs: ts };
        }
        await deps.notifier.update({ channel: input.channel, ts: input.messageTs, ...status });
        const reply = deps.messages.event(input.state, input.event);
        if (reply) {
          const key = `${runKey}|${input.event}|${input.state.approvals.length}`;
          await post({ channel: input.channel, threadTs: input.threadTs ?? input.messageTs, key, ...reply });
        }
        return { messageTs: input.messageTs };
      } catch (e) {
        if (isRateLimited(e)) {
          // Slack's Retry-After, honoured by Temporal's retry instead of a sleep inside the activity.
          throw ApplicationFailure.create({
            type: 'TransientFailure',
            message: e.message,
            nextRetryDelay: e.retryAfterMs,
          });
        }
        throw e;
      }
    },
  };
}

const noSlack = (): Error =>
  Object.assign(new Error('Slack is not configured on this worker (config slack:), so no file can be sent'), {
    name: 'ToolMissing',
  });

/** The notifier used when no Slack is configured: every notification quietly goes nowhere. */
export const silentNotifier: NotifierPort = {
  post: () => Promise.resolve({ ts: '' }),
  findPosted: () => Promise.resolve(undefined),
  update: () => Promise.resolve(),
  sendFileToUser: () => Promise.reject(noSlack()),
  postFile: () => Promise.reject(noSlack()),
};
