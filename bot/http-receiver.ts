import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@slack/bolt';
import { HTTPReceiver } from '@slack/bolt';

/** The HTTP receiver's bounds. */
export interface BoundedReceiverProps {
  readonly signingSecret: string;
  readonly logger: Logger;
  /** Bodies over this many bytes are refused with 413 before they are read whole. */
  readonly maxBodyBytes: number;
  /** A body must arrive within this long (a trickling sender holds a connection and memory). Default 10 s. */
  readonly bodyTimeoutMs?: number;
}

/**
 * Bolt's HTTP receiver (signature and 5-minute window checks, ack handling) behind a body bound. Bolt reads every
 * body whole before it checks the signature — a 16 MB unsigned body was read in full before the 401. Here the
 * Content-Length is checked first and the bytes are counted as they arrive: over the bound, the request is
 * answered 413 and the connection closed. A body within it is handed to Bolt already read (Bolt reuses `rawBody`).
 */
export function createBoundedReceiver(props: BoundedReceiverProps): HTTPReceiver {
  const receiver = new HTTPReceiver({ signingSecret: props.signingSecret, logger: props.logger });
  const bolt = receiver.requestListener;
  receiver.requestListener = (req, res) => {
    if (req.method !== 'POST') return bolt(req, res);
    void readBounded(req, res, props).then((body) => {
      if (!body) return;
      const malformed = malformedPayload(body, req.headers['content-type']);
      if (malformed) return void refuse(res, req, 400, props.logger, malformed);
      (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
      try {
        bolt(req, res);
      } catch (e) {
        // A path Bolt does not serve (what its own dispatch error handler answers).
        props.logger.info(`no route for ${req.method} ${req.url}: ${(e as Error).message}`);
        if (!res.headersSent) res.writeHead(404).end();
      }
    });
  };
  return receiver;
}

function refuse(res: ServerResponse, req: IncomingMessage, status: 400 | 408 | 413, logger: Logger, why: string): void {
  logger.warn(`refused a Slack request from ${req.socket.remoteAddress ?? '?'}: ${why}`);
  if (!res.headersSent) res.writeHead(status, { connection: 'close', 'content-type': 'text/plain' }).end(why);
  // Stop reading: the rest of the body is never buffered (the socket closes once the answer is out).
  req.pause();
  res.once('finish', () => req.destroy());
}

/** The body, or undefined once the request has been answered (too large, too slow, or broken). */
function readBounded(req: IncomingMessage, res: ServerResponse, p: BoundedReceiverProps): Promise<Buffer | undefined> {
  const max = p.maxBodyBytes;
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > max) {
    refuse(res, req, 413, p.logger, `body of ${declared} bytes is over the ${max}-byte limit`);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: Buffer | undefined): void => {
      clearTimeout(timer);
      req.removeListener('data', onData);
      resolve(body);
    };
    const timer = setTimeout(() => {
      refuse(res, req, 408, p.logger, `body not received within ${p.bodyTimeoutMs ?? 10_000} ms`);
      done(undefined);
    }, p.bodyTimeoutMs ?? 10_000);
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > max) {
        refuse(res, req, 413, p.logger, `body over the ${max}-byte limit`);
        done(undefined);
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => done(Buffer.concat(chunks)));
    req.once('error', (e) => {
      p.logger.warn(`a Slack request broke off while being read: ${e.message}`);
      done(undefined);
    });
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Why a body cannot be a Slack request Bolt can handle, or undefined. Bolt reads fields of the payload before any
 * listener runs (`body.ssl_check`, `body.view.app_installed_team_id`): a signed `payload=null` crashed the process
 * and a view submission without a view was answered 500. Such bodies are answered 400 and never reach Bolt.
 */
export function malformedPayload(body: Buffer, contentType: string | undefined): string | undefined {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    if ((contentType ?? '').includes('application/json')) parsed = JSON.parse(text);
    else {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      if (payload === null) return form.has('command') || form.has('ssl_check') ? undefined : 'no command or payload';
      parsed = JSON.parse(payload);
    }
  } catch {
    return 'the body is not valid JSON where Slack sends JSON';
  }
  if (!isObject(parsed)) return 'the payload is not an object';
  const type = parsed.type;
  if ((type === 'view_submission' || type === 'view_closed') && !isObject(parsed.view)) return `${type} without a view`;
  if (type === 'block_actions' && !Array.isArray(parsed.actions)) return 'block_actions without actions';
  if (type !== undefined && typeof type !== 'string') return 'the payload type is not a string';
  return undefined;
}
