import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, unlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../../core/config';
import { openStateStores } from '../state-compose';

/** One readiness check: resolves when it holds, throws (the message is shown in `/readyz`) when not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** A handler for `/metrics` (the Prometheus exporter's), when telemetry is on. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HealthServerProps {
  readonly port: number;
  readonly address: string;
  /** What `ready` means for this process (the worker: Temporal + worker RUNNING + store; the bot: Temporal + store). */
  readonly checks: readonly ReadinessCheck[];
  /** How long one check may take before it counts as failed. Default 2 s. */
  readonly checkTimeoutMs?: number;
  readonly metrics?: MetricsHandler;
  /** The process's name in the bodies (`worker`, `bot`). */
  readonly component: string;
}

export interface HealthServer {
  /** http://address:port, the port the server actually bound (port 0 in the config: any free one). */
  readonly url: string;
  readonly port: number;
  /** From now on `/readyz` answers 503 with the `shutdown` check failed (a load balancer stops sending work). */
  drain(reason: string): void;
  close(): Promise<void>;
}

interface CheckResult {
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

async function runCheck(c: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - start };
  } catch (e) {
    return { ok: false, ms: Date.now() - start, error: (e as Error).message.split('\n')[0] ?? String(e) };
  } finally {
    clearTimeout(timer);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The probes' server: `/healthz` (the process answers: 200), `/readyz` (every check holds: 200 naming each; else
 * 503 naming the ones that failed and why), `/metrics` (Prometheus, when telemetry gives a handler). Checks run on
 * each request, in parallel, each bounded by `checkTimeoutMs`. GET and HEAD only.
 */
export async function startHealthServer(props: HealthServerProps): Promise<HealthServer> {
  const timeoutMs = props.checkTimeoutMs ?? 2000;
  const started = Date.now();
  let draining: string | undefined;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'GET only' });
    if (path === '/healthz')
      return send(res, 200, {
        status: 'ok',
        component: props.component,
        pid: process.pid,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
      });
    if (path === '/readyz') {
      void Promise.all(props.checks.map(async (c) => [c.name, await runCheck(c, timeoutMs)] as const)).then(
        (results) => {
          const checks: Record<string, CheckResult> = Object.fromEntries(results);
          if (draining !== undefined) checks.shutdown = { ok: false, ms: 0, error: draining };
          const failed = Object.entries(checks)
            .filter(([, r]) => !r.ok)
            .map(([n]) => n);
          send(res, failed.length === 0 ? 200 : 503, {
            status: failed.length === 0 ? 'ready' : 'not ready',
            component: props.component,
            ...(failed.length > 0 ? { failed } : {}),
            checks,
          });
        },
      );
      return;
    }
    if (path === '/metrics' && props.metrics) return props.metrics(req, res);
    send(res, 404, { error: `no such endpoint; use /healthz, /readyz${props.metrics ? ', /metrics' : ''}` });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `the health server cannot listen on ${props.address}:${props.port}: the port is taken (another bot or ` +
                'worker on this machine?); set health.port in the config, or INFRA_AGENT_HEALTH_PORT (0: any free port)'
            : `the health server cannot listen on ${props.address}:${props.port}: ${e.message}`,
        ),
      ),
    );
    server.listen(props.port, props.address, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = props.address.includes(':') ? `[${props.address}]` : props.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    drain: (reason) => void (draining = reason),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The part of a Temporal connection (client or native) a readiness check calls. */
export interface TemporalProbe {
  withDeadline<T>(deadline: number | Date, fn: () => Promise<T>): Promise<T>;
  readonly workflowService: { getSystemInfo(req: object): Promise<unknown> };
}

/** Ready when the Temporal server answers GetSystemInfo within the deadline. */
export function temporalCheck(connection: TemporalProbe, address: string, timeoutMs = 1500): ReadinessCheck {
  return {
    name: 'temporal',
    check: async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        // The deadline bounds the call; the timer bounds a native connection that retries past it.
        await Promise.race([
          connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({})),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (e) {
        throw new Error(`the Temporal server at ${address} does not answer: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Ready when the folder holding the audit trail (the state dir) takes a new file: written, then removed. */
/**
 * The shared state store: the state folder for the file store; for PostgreSQL, a round trip on the pool (the
 * folder then holds nothing shared).
 */
export function storeCheck(config: AppConfig, env: NodeJS.ProcessEnv = process.env): ReadinessCheck {
  if (config.store.kind === 'file') return stateDirCheck(config.audit.path);
  return {
    name: 'store',
    check: () =>
      openStateStores(config, env)
        .ping()
        .catch((e: unknown) => {
          throw new Error(`the PostgreSQL store does not answer (${(e as Error).message})`);
        }),
  };
}

export function stateDirCheck(auditPath: string): ReadinessCheck {
  const dir = dirname(auditPath);
  return {
    name: 'store',
    check: async () => {
      await access(dir, constants.W_OK).catch((e: NodeJS.ErrnoException) => {
        throw new Error(`the state folder ${dir} is not writable (${e.code ?? e.message})`);
      });
      const probe = join(dir, `.readyz-${process.pid}-${randomBytes(4).toString('hex')}`);
      try {
        await writeFile(probe, 'ok', { flag: 'wx', mode: 0o600 });
      } catch (e) {
        throw new Error(
          `cannot write in the state folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      await unlink(probe).catch(() => undefined);
    },
  };
}
