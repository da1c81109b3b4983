import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerResponse } from 'node:http';
import { createServer as createHttp1Server } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';

/** One tool call the fake model makes. `input` is sent as is, so tests can send malformed input on purpose. */
export interface FakeToolUse {
  readonly name: string;
  readonly input: unknown;
  readonly toolUseId?: string;
}

/** What the fake answers to one Converse call. */
export type FakeReply =
  | { readonly text: string; readonly toolUses?: readonly FakeToolUse[]; readonly usage?: FakeUsage }
  | { readonly toolUses: readonly FakeToolUse[]; readonly usage?: FakeUsage }
  /** Bedrock's 429 ThrottlingException. */
  | { readonly throttle: true }
  /** Any other Bedrock error, e.g. 400 ValidationException, 424 ModelErrorException. */
  | { readonly error: { readonly status: number; readonly type: string; readonly message: string } }
  /** A 200 whose body is not the Converse shape (broken JSON). */
  | { readonly garbage: string }
  /** Wait before answering (slow model, timeouts, time budgets). */
  | { readonly delayMs: number; readonly then: FakeReply };

export interface FakeUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** A Converse request as the fake received it (the JSON body the real client sent). */
export interface ReceivedConverse {
  readonly modelId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    readonly messages?: { role: string; content: Record<string, unknown>[] }[];
    readonly system?: { text?: string }[];
    readonly toolConfig?: {
      tools: { toolSpec: { name: string; description: string; inputSchema: { json: unknown } } }[];
    };
    readonly inferenceConfig?: Record<string, unknown>;
  };
}

export interface FakeBedrockOptions {
  /** 'h2' (cleartext HTTP/2, what the client speaks by default) or 'http1' (for a client given an HTTP/1.1 handler). */
  readonly protocol?: 'h2' | 'http1';
  /** Answers calls when the script queue is empty (e.g. the evaluation's oracle). */
  readonly fallback?: (req: ReceivedConverse) => FakeReply;
}

/** A running fake: script replies, read what was sent, close. */
export interface FakeBedrock {
  readonly endpoint: string;
  readonly requests: ReceivedConverse[];
  /** Queue replies, answered in order, one per Converse call. */
  script(...replies: FakeReply[]): void;
  /** Replies queued but not yet used (a test can assert the model was called as often as scripted). */
  pending(): number;
  /** Calls whose client hung up before the fake answered (a client-side timeout cut them off). */
  abandoned(): number;
  close(): Promise<void>;
}

const PATH = /^\/model\/([^/]+)\/converse$/;

/**
 * A local Bedrock runtime endpoint speaking the real Converse JSON protocol (POST /model/{modelId}/converse,
 * restJson1 errors with X-Amzn-ErrorType), so the real BedrockRuntimeClient runs unmodified against it.
 */
export async function startFakeBedrock(opts: FakeBedrockOptions = {}): Promise<FakeBedrock> {
  const queue: FakeReply[] = [];
  const requests: ReceivedConverse[] = [];
  let abandoned = 0;

  const handle = (
    req: { method?: string; url?: string; headers: IncomingHttpHeaders },
    raw: string,
    res: Responder,
  ) => {
    const m = PATH.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return res.send(404, { 'x-amzn-errortype': 'UnknownOperationException' }, '{}');
    let body: ReceivedConverse['body'];
    try {
      body = JSON.parse(raw) as ReceivedConverse['body'];
    } catch {
      return sendError(res, 400, 'ValidationException', 'request body is not JSON');
    }
    const received: ReceivedConverse = { modelId: decodeURIComponent(m[1] ?? ''), headers: req.headers, body };
    requests.push(received);
    res.onHungUp(() => abandoned++);
    const reply = queue.shift() ?? opts.fallback?.(received);
    if (!reply) return sendError(res, 500, 'InternalServerException', 'fake-bedrock: no scripted reply left');
    answer(res, reply);
  };

  const server =
    opts.protocol === 'http1'
      ? createHttp1Server((req, res) => collect(req, (raw) => handle(req, raw, http1Responder(res))))
      : createHttp2Server((req: Http2ServerRequest, res: Http2ServerResponse) =>
          collect(req, (raw) => handle(req, raw, http2Responder(res))),
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (s: { destroy(): void }) => sessions.add(s));
  server.on('connection', (s: { destroy(): void }) => sessions.add(s));

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    script: (...replies) => void queue.push(...replies),
    pending: () => queue.length,
    abandoned: () => abandoned,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Responder {
  send(status: number, headers: Record<string, string>, body: string): void;
  /** Runs `f` if the client closes the request before it was answered. */
  onHungUp(f: () => void): void;
}

function collect(req: Readable, done: (raw: string) => void): void {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (raw += c));
  req.on('end', () => done(raw));
}

function http1Responder(res: ServerResponse): Responder {
  return {
    send: (status, headers, body) => res.writeHead(status, headers).end(body),
    onHungUp: (f) => res.on('close', () => res.writableEnded || f()),
  };
}

function http2Responder(res: Http2ServerResponse): Responder {
  return {
    send: (status, headers, body) => {
      if (res.stream.destroyed) return;
      res.writeHead(status, headers);
      res.end(body);
    },
    onHungUp: (f) => res.stream.on('close', () => res.writableEnded || f()),
  };
}

function sendError(res: Responder, status: number, type: string, message: string): void {
  res.send(
    status,
    { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
    JSON.stringify({ message }),
  );
}

function answer(res: Responder, reply: FakeReply): void {
  if ('delayMs' in reply) {
    setTimeout(() => answer(res, reply.then), reply.delayMs);
    return;
  }
  if ('throttle' in reply)
    return sendError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
  if ('error' in reply) return sendError(res, reply.error.status, reply.error.type, reply.error.message);
  if ('garbage' in reply) {
    return res.send(200, { 'content-type': 'application/json' }, reply.garbage);
  }
  const content: Record<string, unknown>[] = [];
  if ('text' in reply && reply.text) content.push({ text: reply.text });
  for (const t of reply.toolUses ?? []) {
    content.push({
      toolUse: { toolUseId: t.toolUseId ?? `tooluse_${randomUUID().slice(0, 8)}`, name: t.name, input: t.input },
    });
  }
  const usage = reply.usage ?? { inputTokens: 100, outputTokens: 20 };
  res.send(
    200,
    { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    JSON.stringify({
      output: { message: { role: 'assistant', content } },
      stopReason: reply.toolUses?.length ? 'tool_use' : 'end_turn',
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 12 },
    }),
  );
}
