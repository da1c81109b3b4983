import type { Logger, webApi } from '@slack/bolt';
import { isTooLong, tooLongText } from '../../core/limits';
import { userText } from '../../presentation/slack/escape';
import { textReply } from '../../presentation/slack/text';

/** Tells one person something only they see. A failure to do so is logged, never thrown. */
export async function whisper(
  client: webApi.WebClient,
  where: { channel: string; user: string; threadTs?: string },
  text: string,
  logger?: Logger,
): Promise<void> {
  try {
    await client.chat.postEphemeral({
      channel: where.channel,
      user: where.user,
      text,
      ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    });
  } catch (e) {
    logger?.warn(`could not tell ${where.user} in ${where.channel}: ${(e as Error).message}`);
  }
}

/**
 * The message of a refusal from the gateway (its known error names), or undefined for real failures. Messages
 * quote what people typed (operation ids, reasons), so they are escaped like any user text.
 */
export function refusalText(e: unknown): string | undefined {
  const err = e as Error;
  if (err.name === 'PermissionDenied') return `:no_entry: refused: ${userText(err.message)}`;
  if (err.name === 'OperationConflict') return `:hourglass: busy: ${userText(err.message)}`;
  if (err.name === 'InvalidInput') return `:warning: ${userText(err.message)}`;
  return undefined;
}

/** A refusal's text, or `:x: <what> failed: <message>` for anything else (escaped). */
export function failureText(e: unknown, what: string): string {
  return refusalText(e) ?? `:x: ${what} failed: ${userText((e as Error).message)}`;
}

/**
 * The answer to a request over MAX_REQUEST_CHARS, or undefined when it is within it. Such text is never parsed
 * or interpreted: that work grows with the text and runs on the bot's one event loop, shared by everyone.
 */
export function overLimitReply(text: string): ReturnType<typeof textReply> | undefined {
  return isTooLong(text) ? textReply(`:warning: ${tooLongText(text.length)}`) : undefined;
}
