import type { Logger, webApi } from '@slack/bolt';

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

/** The message of a refusal from the gateway (its known error names), or undefined for real failures. */
export function refusalText(e: unknown): string | undefined {
  const err = e as Error;
  if (err.name === 'PermissionDenied') return `:no_entry: refused: ${err.message}`;
  if (err.name === 'OperationConflict') return `:hourglass: busy: ${err.message}`;
  if (err.name === 'InvalidInput') return `:warning: ${err.message}`;
  return undefined;
}
