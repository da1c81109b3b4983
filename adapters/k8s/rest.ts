import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';
import { TransientFailure } from '../../core/errors';
import type { KubeTarget } from './target';

/**
 * Reads from the Kubernetes API over HTTPS, in process: the hot path of rollouts (readiness polls, pods analysis,
 * router reads) without a kubectl process per call. Only for kubeconfigs whose context authenticates with
 * embedded data a client can use as is — client certificate/key data or a bearer token — with the server's CA
 * as data; anything else (files, exec plugins, auth providers) returns undefined and callers use kubectl.
 */
export interface KubeRestReader {
  /** The object, or undefined when it does not exist. Throws when the kind itself is unknown to the server. */
  get<T>(path: string, signal?: AbortSignal): Promise<T | undefined>;
}

interface NamedEntry<T> {
  readonly name?: string;
  readonly cluster?: T;
  readonly user?: T;
  readonly context?: T;
}
interface KubeconfigDoc {
  readonly contexts?: readonly NamedEntry<{ cluster?: string; user?: string }>[];
  readonly clusters?: readonly NamedEntry<{ server?: string; 'certificate-authority-data'?: string }>[];
  readonly users?: readonly NamedEntry<{
    'client-certificate-data'?: string;
    'client-key-data'?: string;
    token?: string;
  }>[];
}

const cache = new Map<string, { mtimeKey: string; reader: KubeRestReader | undefined }>();

/** A reader for the target's context, or undefined when its credentials are not embedded data (use kubectl). */
export async function restReaderFor(target: KubeTarget, timeoutMs = 30_000): Promise<KubeRestReader | undefined> {
  const text = await readFile(target.kubeconfig, 'utf8');
  const key = `${target.kubeconfig}|${target.context}`;
  const hit = cache.get(key);
  if (hit && hit.mtimeKey === text) return hit.reader;
  const reader = buildReader(parse(text) as KubeconfigDoc | null, target.context, timeoutMs);
  cache.set(key, { mtimeKey: text, reader });
  return reader;
}

function buildReader(doc: KubeconfigDoc | null, context: string, timeoutMs: number): KubeRestReader | undefined {
  const ctx = doc?.contexts?.find((c) => c.name === context)?.context;
  const cluster = doc?.clusters?.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = doc?.users?.find((u) => u.name === ctx?.user)?.user;
  if (!cluster?.server?.startsWith('https://') || !cluster['certificate-authority-data'] || !user) return undefined;
  const b64 = (s: string): Buffer => Buffer.from(s, 'base64');
  const certAuth = user['client-certificate-data'] && user['client-key-data'];
  if (!certAuth && !user.token) return undefined;
  const agent = new Agent({
    keepAlive: true,
    maxSockets: 16,
    ca: b64(cluster['certificate-authority-data']),
    ...(certAuth ? { cert: b64(user['client-certificate-data'] ?? ''), key: b64(user['client-key-data'] ?? '') } : {}),
  });
  const server = cluster.server.replace(/\/$/, '');
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(user.token ? { Authorization: `Bearer ${user.token}` } : {}),
  };
  return {
    get: <T>(path: string, signal?: AbortSignal) =>
      new Promise<T | undefined>((resolve, reject) => {
        const req = request(
          `${server}${path}`,
          { agent, headers, timeout: timeoutMs, ...(signal ? { signal } : {}) },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status === 200) {
                try {
                  resolve(JSON.parse(body) as T);
                } catch {
                  reject(new Error(`GET ${path}: the API server answered with something that is not JSON`));
                }
                return;
              }
              const apiStatus = statusOf(body);
              // A missing object is a Status with reason NotFound; a kind the server does not serve is a bare 404.
              if (status === 404 && apiStatus?.reason === 'NotFound') return resolve(undefined);
              if (status === 404) {
                return reject(new Error(`the server doesn't have a resource type for ${path} (${body.trim()})`));
              }
              const message = `GET ${path}: HTTP ${status}: ${apiStatus?.message ?? body.slice(0, 300)}`;
              reject(status >= 500 || status === 429 ? new TransientFailure(message) : new Error(message));
            });
          },
        );
        req.on('timeout', () => req.destroy(new TransientFailure(`GET ${path}: no answer within ${timeoutMs} ms`)));
        req.on('error', (e) =>
          reject(e instanceof TransientFailure ? e : new TransientFailure(`GET ${path}: ${e.message}`)),
        );
        req.end();
      }),
  };
}

function statusOf(body: string): { reason?: string; message?: string } | undefined {
  try {
    const v = JSON.parse(body) as { kind?: string; reason?: string; message?: string };
    return v.kind === 'Status' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** API path of a kind the rollout code reads (plural, as kubectl spells it), or undefined for any other kind. */
export function apiPath(resource: string, namespace: string | undefined, name?: string): string | undefined {
  const kinds: Record<string, { group: string; plural: string; namespaced: boolean }> = {
    deployment: { group: '/apis/apps/v1', plural: 'deployments', namespaced: true },
    deployments: { group: '/apis/apps/v1', plural: 'deployments', namespaced: true },
    replicasets: { group: '/apis/apps/v1', plural: 'replicasets', namespaced: true },
    service: { group: '/api/v1', plural: 'services', namespaced: true },
    services: { group: '/api/v1', plural: 'services', namespaced: true },
    pods: { group: '/api/v1', plural: 'pods', namespaced: true },
    namespace: { group: '/api/v1', plural: 'namespaces', namespaced: false },
    virtualservice: { group: '/apis/networking.istio.io/v1beta1', plural: 'virtualservices', namespaced: true },
  };
  const k = kinds[resource];
  if (!k || (k.namespaced && !namespace)) return undefined;
  const ns = k.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? '')}` : '';
  return `${k.group}${ns}/${k.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
