import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { MAX_SLACK_BODY_BYTES } from '../../core/limits';
import { ActionIds } from '../../presentation/slack/ids';
import { buttonClickBody, postSigned, slashCommandBody } from '../../test/support/fake-slack/signed';
import type { SuiteWorld } from './harness';
import { ALICE, CHANNEL, FORM, SIGNING_SECRET, answerText, crashed, crashes, waitFor } from './harness';

/** A correctly signed Slack body that is malformed, oversized or forged, and how to judge the bot's answer. */
export interface PayloadCase {
  readonly group: string;
  readonly name: string;
  check(w: SuiteWorld): Promise<string | undefined>;
}

/** A status a person or Slack can act on: never a 500, never a crash in the body. */
function statusProblem(r: { status: number; body: string }, allowed: readonly number[]): string | undefined {
  if (!allowed.includes(r.status))
    return `HTTP ${r.status} (expected ${allowed.join(' or ')}): ${r.body.slice(0, 200)}`;
  const crash = crashed(r.body);
  return crash ? `the body looks like a crash (${crash})` : undefined;
}

const form = (o: Record<string, string>): string => new URLSearchParams(o).toString();
const payload = (p: unknown): string => form({ payload: typeof p === 'string' ? p : JSON.stringify(p) });

/** Malformed Slack bodies, all correctly signed: Bolt must refuse or ignore them, never answer 500. */
const MALFORMED: readonly (readonly [string, string, string, readonly number[]])[] = [
  ['payload that is not JSON', payload('{not json'), FORM, [200, 400, 401, 404]],
  ['payload JSON null', payload('null'), FORM, [200, 400, 401, 404]],
  ['payload JSON array', payload('[1,2,3]'), FORM, [200, 400, 401, 404]],
  [
    'payload of an unknown type',
    payload({ type: 'no_such_type', user: { id: ALICE.userId } }),
    FORM,
    [200, 400, 401, 404],
  ],
  [
    'block_actions without actions',
    payload({ type: 'block_actions', user: { id: ALICE.userId }, team: { id: ALICE.teamId } }),
    FORM,
    [200, 400, 401, 404],
  ],
  [
    'view_submission without a view',
    payload({ type: 'view_submission', user: { id: ALICE.userId }, team: { id: ALICE.teamId } }),
    FORM,
    [200, 400, 401, 404],
  ],
  [
    'view_submission of an unknown callback',
    payload({
      type: 'view_submission',
      user: { id: ALICE.userId, team_id: ALICE.teamId },
      team: { id: ALICE.teamId },
      view: { id: 'V1', callback_id: 'nope', private_metadata: '', state: { values: {} } },
    }),
    FORM,
    [200, 400, 401, 404],
  ],
  [
    'slash command without user_id',
    form({ command: '/infra', text: 'help', team_id: ALICE.teamId, channel_id: CHANNEL }),
    FORM,
    [200, 400, 401, 404],
  ],
  [
    'slash command for another command',
    form({ command: '/other', text: 'help', user_id: ALICE.userId, team_id: ALICE.teamId, trigger_id: randomUUID() }),
    FORM,
    [200, 400, 401, 404],
  ],
  ['empty form body', '', FORM, [200, 400, 401, 404]],
  ['JSON body under a form content-type', JSON.stringify({ type: 'event_callback' }), FORM, [200, 400, 401, 404]],
  ['JSON that is not JSON', '{"type":"event_callback",', 'application/json', [200, 400, 401, 404]],
  [
    'event_callback without an event',
    JSON.stringify({ type: 'event_callback', team_id: ALICE.teamId, event_id: 'Ev0' }),
    'application/json',
    [200, 400, 401, 404],
  ],
  [
    'event of an unknown type',
    JSON.stringify({
      type: 'event_callback',
      team_id: ALICE.teamId,
      event_id: `Ev${randomUUID().slice(0, 8)}`,
      event: { type: 'no_such_event' },
    }),
    'application/json',
    [200, 400, 401, 404],
  ],
  [
    'url_verification challenge',
    JSON.stringify({ type: 'url_verification', challenge: 'c1' }),
    'application/json',
    [200],
  ],
  [
    'deeply nested JSON',
    `{"type":"event_callback","event":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    'application/json',
    [200, 400, 401, 404],
  ],
  [
    'bytes that are not UTF-8',
    Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]).toString('latin1'),
    FORM,
    [200, 400, 401, 404],
  ],
  ['unknown content type', 'a=b', 'text/plain', [200, 400, 401, 404, 415]],
];

/** A signed button click whose value is forged or out of shape: answered, nothing happens. */
const FORGED_BUTTONS: readonly (readonly [string, string, string])[] = [
  ['approve of an operation that does not exist', ActionIds.approve, 'stack/dev/no-such-stack'],
  ['approve with a traversal id', ActionIds.approve, '../../etc/passwd'],
  ['approve with a mention as the id', ActionIds.approve, '<!channel>'],
  ['reject of an operation that does not exist', ActionIds.reject, 'stack/prd/nothing-here'],
  ['approve with an empty value', ActionIds.approve, ''],
  ['approve with a 10,000-character value', ActionIds.approve, 'x'.repeat(10_000)],
];

export function payloadCases(): PayloadCase[] {
  const out: PayloadCase[] = [];
  for (const [name, body, type, allowed] of MALFORMED)
    out.push({
      group: 'Slack payloads (signed)',
      name,
      check: async (w) => {
        const before = crashes.length;
        const r = await postWithin(w.bot.url, body, type, 5_000);
        if (crashes.length > before) return `crashed the bot: ${crashes[before]?.split('\n').slice(0, 2).join(' ')}`;
        return statusProblem(r, allowed);
      },
    });
  for (const [name, action, value] of FORGED_BUTTONS)
    out.push({
      group: 'Slack payloads (signed)',
      name: `button: ${name}`,
      check: async (w) => {
        const id = `btn-${randomUUID().slice(0, 8)}`;
        const r = await postSigned(
          w.bot.url,
          SIGNING_SECRET,
          buttonClickBody(ALICE, action, value, CHANNEL, '1700000000.000100', w.fake.responseUrl(id)),
          FORM,
        );
        const bad = statusProblem(r, [200]);
        if (bad) return bad;
        // The bot answers the clicker (ephemeral/response_url or a modal), or ignores a value it cannot read.
        const said = await waitFor(
          () =>
            w.fake.calls.find(
              (c) =>
                (c.method === 'response_url' && c.args._id === id) ||
                ((c.method === 'chat.postEphemeral' || c.method === 'views.open') && c.at > Date.now() - 5_000),
            ),
          3_000,
        );
        const text = said ? answerText(said.args) : '';
        if (!said) return undefined;
        const crash = crashed(text);
        if (crash) return `a crash in the answer (${crash})`;
        return text.includes('<!channel>') ? 'the forged value was re-posted raw' : undefined;
      },
    });
  for (const bytes of [MAX_SLACK_BODY_BYTES + 1, MAX_SLACK_BODY_BYTES * 2, 8 * 1024 * 1024])
    for (const chunked of [false, true])
      out.push({
        group: 'oversized bodies',
        name: `${bytes} bytes${chunked ? ' chunked' : ''}`,
        check: async (w) => {
          const body = slashCommandBody(ALICE, 'x'.repeat(bytes), CHANNEL, w.fake.responseUrl('big'));
          const r = await sendSigned(w.bot.url, body, chunked);
          return r.status === 413 ? undefined : `HTTP ${r.status}, expected 413`;
        },
      });
  out.push({
    group: 'oversized bodies',
    name: `a body just under ${MAX_SLACK_BODY_BYTES} bytes is read and answered with the text limit`,
    check: async (w) => {
      const id = `under-${randomUUID().slice(0, 8)}`;
      const text = 'x'.repeat(MAX_SLACK_BODY_BYTES - 2000);
      const r = await postSigned(
        w.bot.url,
        SIGNING_SECRET,
        slashCommandBody(ALICE, text, CHANNEL, w.fake.responseUrl(id)),
        FORM,
      );
      if (r.status !== 200) return `HTTP ${r.status}`;
      const a = await waitFor(() => w.fake.callsOf('response_url').find((c) => c.args._id === id), 20_000);
      return a && answerText(a.args).includes('the most I read is') ? undefined : 'no answer naming the limit';
    },
  });
  return out;
}

/** A correctly signed post that gives up after `ms` (a request the bot never answers is status 0). */
async function postWithin(
  url: string,
  body: string,
  type: string,
  ms: number,
): Promise<{ status: number; body: string }> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  try {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': type, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig },
      body,
      signal: AbortSignal.timeout(ms),
    });
    return { status: r.status, body: await r.text() };
  } catch (e) {
    return { status: 0, body: `no answer within ${ms} ms (${(e as Error).message})` };
  }
}

/** Posts a correctly signed body, with Content-Length or chunked; resolves with the status (the bot may hang up). */
function sendSigned(url: string, body: string, chunked: boolean): Promise<{ status: number }> {
  const ts = Math.floor(Date.now() / 1000);
  const sig = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const buf = Buffer.from(body);
  return new Promise((resolve, reject) => {
    let status = 0;
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': FORM,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': sig,
        ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(buf.length) }),
      },
    });
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve({ status }));
    });
    req.on('error', (e) => (status ? resolve({ status }) : reject(e)));
    let written = 0;
    const pump = (): void => {
      while (written < buf.length && !status) {
        const chunk = buf.subarray(written, written + 65536);
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!status) req.end();
    };
    pump();
  });
}
