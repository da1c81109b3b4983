import type { Logger, webApi } from '@slack/bolt';

/** A file that goes with an answer (a cost report's chart), uploaded into the answer's thread. */
export interface ReplyFile {
  readonly bytes: Buffer;
  readonly filename: string;
  readonly title: string;
  readonly altText: string;
}

// Kept beside the reply, not in it: a reply is spread into chat.postMessage as it is.
const attached = new WeakMap<object, readonly ReplyFile[]>();

/** Attaches files to a reply (returns the reply). */
export function withFiles<R extends object>(reply: R, files: readonly ReplyFile[]): R {
  if (files.length) attached.set(reply, files);
  return reply;
}

/**
 * Uploads a reply's files into the conversation after the reply (files.uploadV2: getUploadURLExternal, the bytes
 * to the upload URL, completeUploadExternal with the channel and thread). A failed upload is logged and said in
 * the thread: the numbers have already been posted.
 */
export async function postReplyFiles(
  client: webApi.WebClient,
  where: { readonly channel: string; readonly threadTs?: string },
  reply: object,
  logger: Logger,
): Promise<void> {
  for (const f of attached.get(reply) ?? []) {
    try {
      const file = { file: f.bytes, filename: f.filename, title: f.title, alt_text: f.altText };
      await client.files.uploadV2(
        where.threadTs
          ? { ...file, channel_id: where.channel, thread_ts: where.threadTs }
          : { ...file, channel_id: where.channel },
      );
    } catch (e) {
      logger.warn(`could not upload ${f.filename} to ${where.channel}: ${(e as Error).message}`);
      await client.chat
        .postMessage({
          channel: where.channel,
          ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
          text: `:warning: the chart ${f.filename} could not be uploaded: ${(e as Error).message}`,
        })
        .catch(() => undefined);
    }
  }
}
