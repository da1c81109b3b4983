/**
 * Input bounds shared by every front end. Requests over them are answered with what the limit is and never
 * interpreted: the grammar and the language front door do work that grows with the text, and a front end runs
 * it for many people at once.
 */

/** The most characters of one request (a command line or free text) that are read. Commands are far shorter. */
export const MAX_REQUEST_CHARS = 4000;

/**
 * The largest HTTP body the Slack receiver reads (bytes). Slack's own payloads are far smaller: its largest, a
 * 40,000-character message event with its rich-text blocks in 4-byte characters, is about 330 KB.
 */
export const MAX_SLACK_BODY_BYTES = 512 * 1024;

/** The answer to a request over MAX_REQUEST_CHARS: how long it was, the limit, and what to do. */
export function tooLongText(chars: number): string {
  return (
    `Your message is ${chars} characters; the most I read is ${MAX_REQUEST_CHARS} — nothing was read or run. ` +
    'Send a shorter command (`help` lists them), or split it into several messages.'
  );
}

/** True when a request is over MAX_REQUEST_CHARS: answer it with tooLongText, do not interpret it. */
export function isTooLong(text: string): boolean {
  return text.length > MAX_REQUEST_CHARS;
}
