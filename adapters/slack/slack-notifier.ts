import type { WebClient } from '@slack/web-api';
import { ErrorCode } from '@slack/web-api';
import type { Block, KnownBlock } from '@slack/types';

/** A message as the notifier sends it. `blocks` are Block Kit blocks built by the bot's pure builders. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

/** Slack asked us to slow down: retry no sooner than `retryAfterMs`. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  constructor(readonly retryAfterMs: number) {
    super(`Slack rate limit: retry after ${retryAfterMs} ms`);
  }
}

export interface SlackNotifierProps {
  readonly client: WebClient;
  /** Minimum gap between posts to one channel; Slack allows about one message per second. Default 1100 ms. */
  readonly postGapMs?: number;
}

// The bot's builders produce valid Block Kit; the adapter passes it through untouched.
/** Message metadata type marking infra-agent's own posts (and carrying their idempotency key). */
const EVENT_TYPE = 'infra_agent_notification';

type Blocks = (KnownBlock | Block)[];

/** Posts and updates messages with chat.postMessage / chat.update, pacing posts per channel. */
export function createSlackNotifier(props: SlackNotifierProps) {
  const gap = props.postGapMs ?? 1100;
  const nextPostAt = new Map<string, number>();
  const pace = async (channel: string): Promise<void> => {
    const now = Date.now();
    const at = Math.max(now, nextPostAt.get(channel) ?? 0);
    nextPostAt.set(channel, at + gap);
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const blocks = (m: SlackMessage): { blocks?: Blocks } => (m.blocks ? { blocks: m.blocks as Blocks } : {});

  return {
    async post(m: { channel: string; threadTs?: string; key: string } & SlackMessage): Promise<{ ts: string }> {
      await pace(m.channel);
      const r = await call(() =>
        props.client.chat.postMessage({
          channel: m.channel,
          text: m.text,
          ...blocks(m),
          ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
          unfurl_links: false,
          metadata: { event_type: EVENT_TYPE, event_payload: { key: m.key } },
        }),
      );
      return { ts: r.ts ?? '' };
    },
    async findPosted(m: { channel: string; threadTs?: string; key: string }): Promise<string | undefined> {
      const r = await call(() =>
        m.threadTs
          ? props.client.conversations.replies({
              channel: m.channel,
              ts: m.threadTs,
              limit: 100,
              include_all_metadata: true,
            })
          : props.client.conversations.history({ channel: m.channel, limit: 100, include_all_metadata: true }),
      );
      const hit = (r.messages ?? []).find(
        // The SDK types event_payload as {}; ours is { key }.
        (x) => x.metadata?.event_type === EVENT_TYPE && (x.metadata.event_payload as { key?: unknown })?.key === m.key,
      );
      return hit?.ts;
    },
    async update(m: { channel: string; ts: string } & SlackMessage): Promise<void> {
      await call(() => props.client.chat.update({ channel: m.channel, ts: m.ts, text: m.text, ...blocks(m) }));
    },
    async sendFileToUser(f: {
      slackUserId: string;
      filename: string;
      title: string;
      content: string;
      comment: string;
    }): Promise<{ fileId: string; channel: string }> {
      const dm = await call(() => props.client.conversations.open({ users: f.slackUserId }));
      const channel = dm.channel?.id;
      if (!channel) throw new Error(`Slack opened no direct message with ${f.slackUserId}`);
      await pace(channel);
      // The SDK types uploadV2's answer loosely; each element is one files.completeUploadExternal response.
      const r = (await call(() =>
        props.client.files.uploadV2({
          channel_id: channel,
          file: Buffer.from(f.content, 'utf8'),
          filename: f.filename,
          title: f.title,
          initial_comment: f.comment,
        }),
      )) as { files?: { files?: { id?: string }[] }[] };
      return { fileId: r.files?.[0]?.files?.[0]?.id ?? '', channel };
    },
    async postFile(f: {
      channel: string;
      threadTs?: string;
      bytes: Buffer;
      filename: string;
      title: string;
      altText: string;
    }): Promise<{ fileId: string }> {
      await pace(f.channel);
      const file = { file: f.bytes, filename: f.filename, title: f.title, alt_text: f.altText, channel_id: f.channel };
      const r = (await call(() =>
        props.client.files.uploadV2(f.threadTs ? { ...file, thread_ts: f.threadTs } : file),
      )) as { files?: { files?: { id?: string }[] }[] };
      return { fileId: r.files?.[0]?.files?.[0]?.id ?? '' };
    },
  };
}

/** Turns the WebClient's rate-limit error (classified by its code) into RateLimited; everything else passes. */
async function call<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const err = e as { code?: string; retryAfter?: number };
    if (err.code === ErrorCode.RateLimitedError) throw new RateLimited(Math.max(1, err.retryAfter ?? 1) * 1000);
    throw e;
  }
}
