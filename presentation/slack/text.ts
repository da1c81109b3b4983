import type { types } from '@slack/bolt';
import { escapeMrkdwn } from './escape';

export { escapeMrkdwn } from './escape';

type KnownBlock = types.KnownBlock;

/** Slack's limits that the builders respect (https://docs.slack.dev/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  messageText: 40_000,
} as const;

/** Cuts `s` to at most `max` characters, marking the cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Preformatted text in as many sections as it takes (each under the section limit), at most `maxBlocks`. */
export function preformatted(text: string, maxBlocks = 10): KnownBlock[] {
  const room = SLACK_LIMITS.sectionText - 8;
  const chunks: string[] = [];
  let current = '';
  for (const line of escapeMrkdwn(text).split('\n')) {
    const l = truncate(line, room);
    if (current.length + l.length + 1 > room) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${l}` : l;
  }
  if (current) chunks.push(current);
  const shown = chunks.slice(0, maxBlocks);
  if (chunks.length > maxBlocks) shown[maxBlocks - 1] = `${shown[maxBlocks - 1] ?? ''}\n… (truncated)`;
  return shown.map((c) => ({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${c}\`\`\`` } }));
}

/** A plain answer: a first line in mrkdwn and optional preformatted detail. */
export function textReply(headline: string, detail?: string): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(headline, SLACK_LIMITS.sectionText) } },
    ...(detail ? preformatted(detail) : []),
  ];
  return { text: truncate(headline, 3000), blocks };
}
