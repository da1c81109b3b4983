import { createHmac, randomUUID } from 'node:crypto';

/** How to sign (or mis-sign) a request to the Bolt HTTP receiver. */
export interface SignOptions {
  /** Seconds since epoch; default now. A stale one tests Bolt's 5-minute window. */
  readonly timestamp?: number;
  readonly badSignature?: boolean;
  readonly retryNum?: number;
}

/** Posts `body` signed as Slack does: v0=HMAC-SHA256(secret, `v0:<ts>:<body>`). Returns status and body. */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  o: SignOptions = {},
): Promise<{ status: number; body: string; ms: number }> {
  const ts = o.timestamp ?? Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', o.badSignature ? `${secret}x` : secret)
    .update(`v0:${ts}:${body}`)
    .digest('hex')}`;
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': sig,
  };
  if (o.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(o.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const t0 = Date.now();
  const r = await fetch(url, { method: 'POST', headers, body });
  return { status: r.status, body: await r.text(), ms: Date.now() - t0 };
}

/** A Slack person for building payloads. */
export interface SlackPerson {
  readonly userId: string;
  readonly teamId: string;
}

/** The form body of a `/infra` slash command. */
export function slashCommandBody(
  who: SlackPerson,
  text: string,
  channel: string,
  responseUrl: string,
  triggerId = `${Date.now()}.${randomUUID()}`,
): string {
  return new URLSearchParams({
    token: 'legacy',
    team_id: who.teamId,
    team_domain: 'sandbox',
    channel_id: channel,
    channel_name: 'ops',
    user_id: who.userId,
    user_name: who.userId.toLowerCase(),
    command: '/infra',
    text,
    api_app_id: 'A0INFRA',
    response_url: responseUrl,
    trigger_id: triggerId,
  }).toString();
}

/** The form body of a block_actions click on a button of a message. */
export function buttonClickBody(
  who: SlackPerson,
  actionId: string,
  value: string,
  channel: string,
  messageTs: string,
  responseUrl: string,
): string {
  const payload = {
    type: 'block_actions',
    user: { id: who.userId, username: who.userId.toLowerCase(), team_id: who.teamId },
    api_app_id: 'A0INFRA',
    token: 'legacy',
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${randomUUID()}`,
    team: { id: who.teamId, domain: 'sandbox' },
    channel: { id: channel, name: 'ops' },
    message: { type: 'message', ts: messageTs, text: '' },
    response_url: responseUrl,
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b1',
        value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: `${Date.now() / 1000}${Math.random().toString().slice(2, 6)}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The form body of a modal submission. */
export function viewSubmissionBody(
  who: SlackPerson,
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, { type: string; value: string }>>,
): string {
  const payload = {
    type: 'view_submission',
    team: { id: who.teamId, domain: 'sandbox' },
    user: { id: who.userId, username: who.userId.toLowerCase(), team_id: who.teamId },
    api_app_id: 'A0INFRA',
    token: 'legacy',
    trigger_id: `${Date.now()}.${randomUUID()}`,
    view: {
      id: `V${randomUUID().slice(0, 8)}`,
      type: 'modal',
      callback_id: callbackId,
      private_metadata: privateMetadata,
      hash: randomUUID(),
      state: { values },
      blocks: [],
    },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** The JSON body of an Events API callback. */
export function eventBody(
  who: SlackPerson,
  event: Record<string, unknown>,
  eventId = `Ev${randomUUID().slice(0, 10)}`,
): string {
  return JSON.stringify({
    token: 'legacy',
    team_id: who.teamId,
    api_app_id: 'A0INFRA',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: who.teamId, user_id: 'U0INFRABOT', is_bot: true }],
    event: { user: who.userId, team: who.teamId, event_ts: `${Date.now() / 1000}`, ...event },
  });
}
