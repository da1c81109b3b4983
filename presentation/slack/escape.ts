/**
 * The one escaping of user-provided text (reasons, free text, echoed commands, error messages quoting input) for
 * Slack. Slack reads `<…>` in mrkdwn and in a message's notification `text` as a control sequence: `<!channel>`,
 * `<!here>`, `<@U…>`, `<#C…>` and `<!subteam^…>` ping people, `<url|label>` disguises a link. Escaping `&`, `<`
 * and `>` (Slack's own rule) makes all of them plain text. Apply it once, where user text enters a message.
 */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** User-provided text, safe to put in any Slack `text` or mrkdwn block: escaped, never a mention or a link. */
export function userText(s: string): string {
  return escapeMrkdwn(s);
}
