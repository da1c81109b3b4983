import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '@slack/bolt';
import { DurableDeliveryDedupe } from '../../bot/dedupe';
import { createBoundedReceiver } from '../../bot/http-receiver';
import { openSealedView, sealView, viewSealKey } from '../../bot/view-seal';
import { renderOperationAlert } from '../../activities/notify/notify-operation';
import { MAX_REQUEST_CHARS, MAX_SLACK_BODY_BYTES, tooLongText } from '../../core/limits';
import type { OperationState } from '../../core/operations';
import { userText } from '../../presentation/slack/escape';
import { buildMfaModal, buildRejectModal } from '../../presentation/slack/modals';
import { buildOperationMessage } from '../../presentation/slack/operation-message';
import { eventReply } from '../../presentation/slack/operation-messages';
import { buildInterpretAnswer, buildProposalMessage } from '../../presentation/slack/proposal-message';
import { recordingLogger } from '../support/fake-slack/bot-harness';
import { postSigned, slashCommandBody } from '../support/fake-slack/signed';

/** Markup that pings people or disguises a link if Slack reads it unescaped. */
const PINGS = ['<!channel>', '<!here>', '<@U0BOB0001>', '<#C0DEVOPS1>', '<!subteam^S012345>', '<https://x.test|y>'];
const HOSTILE = `nope ${PINGS.join(' ')}`;

function expectNoPing(s: string): void {
  for (const p of PINGS) expect(s).not.toContain(p);
}

const rejected: OperationState = {
  operationId: 'stack/dev/vpc',
  kind: 'deploy-stack',
  environment: 'dev',
  target: 'infra-agent-dev-vpc',
  requester: { userId: 'alice', displayName: 'Alice <!channel>', via: 'slack', requestId: 'r' },
  startedAt: '2026-12-04T10:00:00.000Z',
  phase: 'done',
  findings: [],
  approvalsRequired: 1,
  approvals: [],
  rejection: { by: 'bob', reason: HOSTILE, at: '2026-12-04T10:05:00.000Z' },
  outcome: 'rejected',
  message: `rejected by bob: ${HOSTILE}`,
  events: [],
};
const env = {
  name: 'dev',
  account: '123456789012',
  region: 'us-east-1',
  approval: { required: 1, approvers: [], expirySeconds: 3600, mfa: false },
} as never;

describe('user text in Slack messages: escaped everywhere, never a ping', () => {
  it('GIVEN the markup Slack reads THEN userText turns every control sequence into plain text', () => {
    expect(userText('a & b <!channel> <@U1|x>')).toBe('a &amp; b &lt;!channel&gt; &lt;@U1|x&gt;');
    expectNoPing(userText(HOSTILE));
  });

  it('GIVEN a rejection whose reason pings THEN neither the status message (text fallback and blocks), its thread reply nor the alert pings', () => {
    const m = buildOperationMessage(rejected, { env, mention: (u) => u });
    expectNoPing(m.text);
    expectNoPing(JSON.stringify(m.blocks));
    expect(m.text).toContain('&lt;!channel&gt;');
    const reply = eventReply({ ...rejected }, 'done', (u) => u);
    expectNoPing(`${reply?.text} ${JSON.stringify(reply?.blocks)}`);
    const alert = renderOperationAlert({ channel: 'C0ALERTS1', state: { ...rejected, outcome: 'failed' } });
    expectNoPing(`${alert.text} ${JSON.stringify(alert.blocks)}`);
  });

  it('GIVEN free text echoed back (grammar error, near miss, refusal, diagnosis) THEN the notification text is escaped too', () => {
    const near = buildProposalMessage(
      {
        kind: 'proposals',
        id: 'interpret/x',
        source: 'near-miss',
        proposals: [{ line: `reject stack/dev/vpc ${HOSTILE}`, effect: 'decision', autoRun: false }],
        refused: [],
      } as never,
      'U0ALICE01',
      `unknown command '${HOSTILE}'`,
    );
    expectNoPing(near.text);
    // Button values are data Slack never renders; everything shown is escaped.
    expectNoPing(JSON.stringify(near.blocks.filter((b) => b.type !== 'actions')));
    for (const kind of ['clarify', 'refuse', 'unavailable'] as const) {
      const a = buildInterpretAnswer(
        { kind, id: 'interpret/x', source: 'near-miss', question: HOSTILE, reason: HOSTILE, suggestions: [] } as never,
        `unknown command '${HOSTILE}'`,
      );
      expectNoPing(a.text);
      expectNoPing(JSON.stringify(a.blocks));
    }
  });

  it('GIVEN a forged operation id in a button THEN the modals opened from it show it as text', () => {
    const meta = { op: HOSTILE, artifact: HOSTILE, channel: 'C1' };
    expectNoPing(JSON.stringify(buildMfaModal(meta).blocks));
    expectNoPing(JSON.stringify(buildRejectModal(meta).blocks));
  });
});

describe('modals the bot opens are sealed for their opener', () => {
  const key = viewSealKey(randomBytes(32));
  const modal = buildRejectModal({ op: 'stack/dev/vpc', artifact: 'cs-1', channel: 'C1' });

  it('GIVEN a sealed modal THEN only its opener, with the unaltered metadata, within a day, gets the metadata back', () => {
    const sealed = sealView(modal, key, 'U0BOB0001', 1_000);
    const submitted = { callback_id: modal.callback_id ?? '', private_metadata: sealed.private_metadata ?? '' };
    expect(openSealedView(submitted, key, 'U0BOB0001', 2_000)).toEqual({ ok: true, metadata: modal.private_metadata });
    expect(openSealedView(submitted, key, 'U0CAROL01', 2_000)).toMatchObject({ ok: false });
    expect(openSealedView(submitted, key, 'U0BOB0001', 1_000 + 25 * 3600_000)).toMatchObject({ ok: false });
    // Another operation in the same seal, another form's callback id, another key, or no seal at all: refused.
    const altered = submitted.private_metadata.replace('stack/dev/vpc', 'stack/prd/vpc');
    expect(openSealedView({ ...submitted, private_metadata: altered }, key, 'U0BOB0001', 2_000).ok).toBe(false);
    expect(openSealedView({ ...submitted, callback_id: 'mfa_approve_modal' }, key, 'U0BOB0001', 2_000).ok).toBe(false);
    expect(openSealedView(submitted, viewSealKey(randomBytes(32)), 'U0BOB0001', 2_000).ok).toBe(false);
    const forged = { callback_id: modal.callback_id ?? '', private_metadata: modal.private_metadata ?? '' };
    // No key, no seal: a missing MFA key never becomes an empty (guessable) seal key.
    expect(() => viewSealKey(Buffer.alloc(0))).toThrow('32-byte MFA key');
    expect(openSealedView(forged, key, 'U0BOB0001', 2_000)).toMatchObject({ ok: false });
  });
});

describe('delivery dedupe that survives restarts', () => {
  it('GIVEN a delivery key claimed by one instance THEN a restarted instance, or another over the same directory, does not handle it again', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'deliveries-')), 'slack-deliveries');
    const first = new DurableDeliveryDedupe({ dir });
    const [a, b] = await Promise.all([first.first('command:T1'), first.first('command:T1')]);
    expect([a, b].sort()).toEqual([false, true]);
    const restarted = new DurableDeliveryDedupe({ dir });
    const other = new DurableDeliveryDedupe({ dir });
    expect(await restarted.first('command:T1')).toBe(false);
    // Two instances racing for a new key: exactly one wins.
    const race = await Promise.all([restarted.first('event:Ev1'), other.first('event:Ev1')]);
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('GIVEN keys older than the TTL THEN they are swept from the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deliveries-'));
    const d = new DurableDeliveryDedupe({ dir, ttlMs: 1 });
    await d.first('a');
    await new Promise((r) => setTimeout(r, 1100));
    await d.first('b'); // sweeps in the background
    await new Promise((r) => setTimeout(r, 200));
    expect(readdirSync(dir)).toHaveLength(1);
  });
});

describe('the HTTP receiver refuses oversized bodies before reading them', () => {
  const SECRET = 'bounds-secret';
  let app: App;
  let url: string;
  let handled: string[];
  const logger = recordingLogger();

  beforeAll(async () => {
    handled = [];
    app = new App({
      token: 'xoxb-x',
      botId: 'B0',
      botUserId: 'U0',
      logger,
      tokenVerificationEnabled: false,
      receiver: createBoundedReceiver({ signingSecret: SECRET, logger, maxBodyBytes: MAX_SLACK_BODY_BYTES }),
    });
    app.command('/infra', async ({ ack, command }) => {
      await ack();
      handled.push(command.text.slice(0, 20));
    });
    const server = (await app.start(0)) as Server;
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(() => app.stop());

  const who = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };

  it('GIVEN a signed slash command within the bound THEN it is acked and handled as before', async () => {
    const r = await postSigned(
      url,
      SECRET,
      slashCommandBody(who, 'list', 'C1', 'http://127.0.0.1:9/r'),
      'application/x-www-form-urlencoded',
    );
    expect(r.status).toBe(200);
    expect(handled).toContain('list');
  });

  it('GIVEN a body whose Content-Length is over the bound THEN 413 at once, unread, and the log says why', async () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 'a');
    const r = await sendRaw(url, body, { 'content-length': String(body.length) });
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(body.length);
    expect(logger.lines.some((l) => l.startsWith('warn') && l.includes('16777216 bytes is over'))).toBe(true);
  });

  it('GIVEN a chunked body (no Content-Length) that grows past the bound THEN 413 and the rest is never read', async () => {
    const body = Buffer.alloc(16 * 1024 * 1024, 'a');
    const r = await sendRaw(url, body, { 'transfer-encoding': 'chunked' });
    expect(r.status).toBe(413);
    expect(r.written).toBeLessThan(body.length);
  });

  it('GIVEN the limits THEN the bound leaves room for Slack payloads and the text limit is the one named in the answer', () => {
    expect(MAX_SLACK_BODY_BYTES).toBeGreaterThanOrEqual(64 * 1024);
    expect(MAX_SLACK_BODY_BYTES).toBeLessThanOrEqual(1024 * 1024);
    expect(tooLongText(40_000)).toContain(`Your message is 40000 characters; the most I read is ${MAX_REQUEST_CHARS}`);
  });
});

/** Writes `body` in 64 KiB chunks until the server answers (or hangs up); returns the status and bytes written. */
function sendRaw(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ status: number; written: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let status = 0;
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve({ status, written }));
    });
    req.on('error', (e) => (status ? resolve({ status, written }) : reject(e)));
    const pump = (): void => {
      while (written < body.length && !status) {
        const chunk = body.subarray(written, written + 65536);
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!status) req.end();
    };
    pump();
  });
}
