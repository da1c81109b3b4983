import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { apiserverUrl, kubePaths } from './paths';
import type { KubeSettings } from './settings';

export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

/** Thrown for an answer other than the expected status; carries the apiserver's Status message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${statusMessage(body)}`);
  }
}

function statusMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    /* not JSON */
  }
  return body.slice(0, 500);
}

/**
 * A minimal client for the sandbox apiserver, as the cluster admin (client certificate). The sandbox only needs a
 * handful of calls (apply CRDs, create nodes, wait for conditions); the product talks to clusters through its own
 * Kubernetes agent.
 */
export class SandboxKubeClient {
  private readonly base: string;
  private readonly tls: { readonly ca: Buffer; readonly cert: Buffer; readonly key: Buffer };

  constructor(s: KubeSettings) {
    const p = kubePaths(s);
    this.base = apiserverUrl(s);
    this.tls = { ca: readFileSync(p.caCert), cert: readFileSync(p.adminCert), key: readFileSync(p.adminKey) };
  }

  request(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
    accept = 'application/json',
  ): Promise<KubeResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.base),
        {
          method,
          ...this.tls,
          timeout: 30_000,
          headers: {
            accept,
            ...(body !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** GET a JSON object; undefined on 404. */
  async get<T>(path: string): Promise<T | undefined> {
    const r = await this.request('GET', path);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new KubeApiError(r.status, r.body, `GET ${path}`);
    return JSON.parse(r.body) as T;
  }

  /** Server-side apply of one object (create or update), as field manager `infra-agent-sandbox`. */
  async apply(path: string, obj: unknown): Promise<void> {
    const q = `${path}?fieldManager=infra-agent-sandbox&force=true`;
    const r = await this.request('PATCH', q, JSON.stringify(obj), 'application/apply-patch+yaml');
    if (r.status !== 200 && r.status !== 201) throw new KubeApiError(r.status, r.body, `apply ${path}`);
  }

  /** JSON merge patch of an existing object (e.g. a status subresource). */
  async mergePatch(path: string, patch: unknown): Promise<void> {
    const r = await this.request('PATCH', path, JSON.stringify(patch), 'application/merge-patch+json');
    if (r.status !== 200) throw new KubeApiError(r.status, r.body, `patch ${path}`);
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; the error names `what`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
  );
}
