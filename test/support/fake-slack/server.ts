import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** One recorded Web API call (or response_url post). */
export interface RecordedCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly at: number;
}

/** A message as Slack would hold it after postMessage/update. */
export interface StoredMessage {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly text: string;
  readonly blocks: unknown[];
  readonly metadata?: unknown;
}

type Fault = { status: number; retryAfter?: number; remaining: number };

/**
 * A local Slack: the Web API under /api/<method> (what WebClient's slackApiUrl points at), response_url
 * endpoints, the files.uploadV2 upload URL, and a Socket Mode WebSocket handed out by apps.connections.open.
 * Records every call, keeps messages as Slack would, and can answer 429 + Retry-After or 500.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, StoredMessage>();
  private readonly faults = new Map<string, Fault>();
  private down = false;
  private readonly lostResponses = new Map<string, number>();
  private seq = 0;
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private socket: WebSocket | undefined;
  private readonly acks = new Map<string, (payload: unknown) => void>();
  /** Files people shared (shareFile): what files.info describes and url_private serves to the bot token. */
  private readonly shared = new Map<string, { name: string; content: string; token: string }>();

  private constructor() {
    this.server.on('upgrade', (req, sock, head) => {
      this.wss.handleUpgrade(req, sock, head, (ws) => {
        this.socket = ws;
        ws.on('message', (raw: Buffer) => {
          const m = JSON.parse(raw.toString()) as { envelope_id?: string; payload?: unknown };
          if (m.envelope_id) this.acks.get(m.envelope_id)?.(m.payload);
        });
        ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' } }));
      });
    });
  }

  static async start(): Promise<FakeSlack> {
    const f = new FakeSlack();
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', r));
    return f;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  /** What Bolt's and WebClient's `slackApiUrl` is set to. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }
  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/respond/${id}`;
  }

  /**
   * The next `times` calls of `method` fail with `status` (429 carries Retry-After seconds). `response_url` makes
   * the next posts to any response_url fail.
   */
  failNext(method: string, status: number, times = 1, retryAfter?: number): void {
    this.faults.set(method, { status, remaining: times, ...(retryAfter !== undefined ? { retryAfter } : {}) });
  }
  /** The next call of `method` is carried out, but its response is lost (HTTP 500): a retry must not repeat it. */
  loseNextResponse(method: string): void {
    this.lostResponses.set(method, (this.lostResponses.get(method) ?? 0) + 1);
  }
  /** Every Web API call answers HTTP 500 while down (Slack unreachable for the worker and the bot). */
  setDown(down: boolean): void {
    this.down = down;
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Sends a Socket Mode envelope and resolves with the app's ack payload. */
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: unknown): Promise<unknown> {
    const ws = this.socket;
    if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
    const envelope_id = randomUUID();
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelope_id, resolve));
    ws.send(
      JSON.stringify({ envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: 0 }),
    );
    return acked;
  }

  async stop(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/files-pri/')) {
      // url_private: the bytes for the right bot token; Slack's sign-in page (HTML, 200) for anyone else.
      const file = this.shared.get(url.pathname.split('/')[2] ?? '');
      this.calls.push({ method: 'file_download', args: { _id: url.pathname.split('/')[2] ?? '' }, at: Date.now() });
      if (file && req.headers.authorization === `Bearer ${file.token}`)
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file.content);
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
      return;
    }
    if (url.pathname.startsWith('/respond/') || url.pathname.startsWith('/upload/')) {
      const fault = url.pathname.startsWith('/respond/') ? this.faults.get('response_url') : undefined;
      if (fault && fault.remaining > 0) {
        // failNext('response_url', 500): the answer to a slash command is lost.
        fault.remaining--;
        this.calls.push({ method: `response_url:${fault.status}`, args: parseArgs(req, body), at: Date.now() });
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end('failed');
        return;
      }
      this.calls.push({
        method: url.pathname.split('/')[1] === 'respond' ? 'response_url' : 'file_upload',
        // `_id` names which response_url (or upload) was used, so a test can tell its own answers apart.
        args: {
          ...parseArgs(req, body),
          _id: url.pathname.split('/')[2] ?? '',
          // An upload's bytes (as text and base64), so a test can compare what was sent.
          ...(url.pathname.startsWith('/upload/')
            ? {
                content: uploadedBytes(req, body).toString('utf8'),
                contentBase64: uploadedBytes(req, body).toString('base64'),
              }
            : {}),
        },
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    if (this.down) {
      res.writeHead(500).end('down');
      return;
    }
    const fault = this.faults.get(method);
    if (fault && fault.remaining > 0) {
      fault.remaining--;
      this.calls.push({ method: `${method}:${fault.status}`, args: parseArgs(req, body), at: Date.now() });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      res
        .writeHead(fault.status, headers)
        .end(JSON.stringify({ ok: false, error: fault.status === 429 ? 'ratelimited' : 'fatal_error' }));
      return;
    }
    const args = parseArgs(req, body);
    this.calls.push({ method, args, at: Date.now() });
    const answer = this.answer(method, args);
    const lost = this.lostResponses.get(method) ?? 0;
    if (lost > 0) {
      this.lostResponses.set(method, lost - 1);
      res.writeHead(500).end('lost');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private answer(method: string, a: Record<string, unknown>): Record<string, unknown> {
    const str = (k: string): string => (typeof a[k] === 'string' ? a[k] : '');
    const blocks = (): unknown[] =>
      typeof a.blocks === 'string' ? (JSON.parse(a.blocks) as unknown[]) : ((a.blocks as unknown[]) ?? []);
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: 'U0INFRABOT', bot_id: 'B0INFRABOT', team_id: 'T0SANDBOX', user: 'infra-agent' };
      case 'chat.postMessage': {
        const ts = `${1_700_000_000 + this.seq++}.000100`;
        const m: StoredMessage = {
          channel: str('channel'),
          ts,
          text: str('text'),
          blocks: blocks(),
          ...(str('thread_ts') ? { threadTs: str('thread_ts') } : {}),
          ...(str('metadata') ? { metadata: JSON.parse(str('metadata')) as unknown } : {}),
        };
        this.messages.set(`${m.channel}/${ts}`, m);
        return { ok: true, channel: m.channel, ts, message: { text: m.text, ts } };
      }
      case 'chat.update': {
        const key = `${str('channel')}/${str('ts')}`;
        const old = this.messages.get(key);
        if (!old) return { ok: false, error: 'message_not_found' };
        this.messages.set(key, { ...old, text: str('text'), blocks: blocks() });
        return { ok: true, channel: old.channel, ts: old.ts };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const inThread = method === 'conversations.replies';
        const messages = this.messagesIn(str('channel'))
          .filter((m) => (inThread ? m.threadTs === str('ts') || m.ts === str('ts') : !m.threadTs))
          .reverse()
          .map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(m.metadata ? { metadata: m.metadata } : {}) }));
        return { ok: true, messages, has_more: false };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `${1_700_000_000 + this.seq++}.000200` };
      case 'views.open':
      case 'views.publish':
      case 'views.update':
        return { ok: true, view: { id: `V${this.seq++}` } };
      case 'conversations.open':
        return { ok: true, channel: { id: `D${str('users').slice(1)}` } };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/F${this.seq}`, file_id: `F${this.seq++}` };
      case 'files.completeUploadExternal':
        // Slack answers with the files just completed (the ids getUploadURLExternal handed out).
        return { ok: true, files: JSON.parse(str('files') || '[]') as unknown[] };
      case 'files.info': {
        const file = this.shared.get(str('file'));
        if (!file) return { ok: false, error: 'file_not_found' };
        const url = `http://127.0.0.1:${this.port}/files-pri/${str('file')}/${encodeURIComponent(file.name)}`;
        return {
          ok: true,
          file: {
            id: str('file'),
            name: file.name,
            size: Buffer.byteLength(file.content),
            url_private: url,
            url_private_download: url,
          },
        };
      }
      case 'apps.connections.open':
        return { ok: true, url: `ws://127.0.0.1:${this.port}/link` };
      default:
        return { ok: true };
    }
  }

  /** A person shares a file with the bot: files.info names it, url_private serves it to `token` only. */
  shareFile(id: string, name: string, content: string, token: string): void {
    this.shared.set(id, { name, content, token });
  }

  /** Messages in a channel (top level and replies), oldest first. */
  messagesIn(channel: string): StoredMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    req.on('error', reject);
  });
}

/** The file in an upload, byte-exact: the multipart part that carries a filename, or the raw body. */
function uploadedBytes(req: IncomingMessage, body: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(req.headers['content-type'] ?? '');
  const b = boundary?.[1] ?? boundary?.[2];
  let raw = body;
  if (b) {
    const part = body.split(`--${b}`).find((p) => /filename=/.test(p.slice(0, p.indexOf('\r\n\r\n'))));
    if (part) raw = part.slice(part.indexOf('\r\n\r\n') + 4).replace(/\r\n$/, '');
  }
  return Buffer.from(raw, 'latin1');
}

function parseArgs(req: IncomingMessage, latin1: string): Record<string, unknown> {
  const type = req.headers['content-type'] ?? '';
  // Bodies are kept as latin1 (byte-exact, for uploads); JSON and forms are UTF-8 text.
  const body = Buffer.from(latin1, 'latin1').toString('utf8');
  if (type.includes('application/json')) return body ? (JSON.parse(body) as Record<string, unknown>) : {};
  if (type.includes('x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body));
  return { bytes: body.length };
}
