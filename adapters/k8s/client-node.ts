import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { dirname } from 'node:path';
import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { InvalidInput, PermissionDenied, TransientFailure } from '../../core/errors';
import type { KubeconfigView } from '../../core/k8s/kubeconfig-policy';
import { checkKubeconfig } from '../../core/k8s/kubeconfig-policy';
import type { KubeTarget } from './target';

/**
 * The Kubernetes API through @kubernetes/client-node's typed clients, for one environment's kubeconfig and context.
 * Nothing in a request chooses the cluster, the context or the credentials: they come from the target only.
 */
export interface KubeApiClients {
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly networking: NetworkingV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly custom: CustomObjectsApi;
  /** Credential strings of the context's user, removed from any error message before it leaves the adapter. */
  readonly secrets: readonly string[];
}

const MAX_CACHED = 16;
/** By sha256 of the kubeconfig's content and the context: an edited file builds new clients (and is checked again). */
const cache = new Map<string, KubeApiClients>();

/**
 * The API clients for the target. The file is read on every call (it is small); the clients are built once per
 * content and context. The content that is loaded is the content checked against the kubeconfig policy, so a file
 * swapped after `prepare()` checked it cannot bring in an exec plugin.
 */
export async function kubeApiClients(target: KubeTarget): Promise<KubeApiClients> {
  const text = await readFile(target.kubeconfig, 'utf8');
  const key = `${createHash('sha256').update(text).digest('hex')}|${target.context}|${target.kubeconfig}`;
  const hit = cache.get(key);
  if (hit) return hit;
  checkKubeconfig((parse(text) as KubeconfigView | null) ?? {}, target.context, target.kubeconfig);
  const kc = new KubeConfig();
  kc.loadFromString(text);
  // Relative certificate/token paths are relative to the kubeconfig, as kubectl reads them.
  kc.makePathsAbsolute(dirname(target.kubeconfig));
  kc.setCurrentContext(target.context);
  const user = kc.getCurrentUser();
  const clients: KubeApiClients = {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    networking: kc.makeApiClient(NetworkingV1Api),
    autoscaling: kc.makeApiClient(AutoscalingV2Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    secrets: [user?.token, user?.password, user?.keyData].filter((s): s is string => !!s && s.length >= 8),
  };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? '');
  cache.set(key, clients);
  return clients;
}

/** What a call was about, for error messages: `pod 'x'` in `namespace`, or a list (`list pods`). */
export interface ApiCallSubject {
  /** `get pods`, `logs of pod 'x'`…: what was being done. */
  readonly action: string;
  /** `pod 'x'`: the one object the call named, if any; a 404 then says it is not there. */
  readonly object?: string;
  /** Absent for cluster-scoped objects. */
  readonly namespace?: string;
}

/**
 * Turns a failed API call into the error vocabulary, classified by HTTP status (never by message text): a missing
 * object is the person's mistake, 401/403 a refusal with the API's reason, 5xx/429 and network failures are worth
 * retrying. Messages carry the API's own words, never the request's headers or the user's credentials.
 */
export function apiFailure(e: unknown, about: ApiCallSubject, secrets: readonly string[]): Error {
  const where = about.namespace ? ` in namespace ${about.namespace}` : '';
  const clean = (s: string): string => redact(s, secrets).slice(0, 600);
  if (e instanceof ApiException) {
    const code = e.code;
    const status = statusOf(e.body);
    // client-node drops the body of a 401 (its generated code parses it as `undefined`): then the status text says it.
    const said = clean(status?.message || bodyText(e.body) || (STATUS_CODES[code] ?? `HTTP ${code}`));
    if (code === 404 && status?.reason === 'NotFound' && about.object) {
      return new InvalidInput(`${about.object} not found${where}`);
    }
    if (code === 404) {
      return new InvalidInput(
        `${about.action}${where}: the cluster does not serve this kind (${said}); is its CRD installed?`,
      );
    }
    if (code === 401 || code === 403) return new PermissionDenied(`${about.action}${where}: ${said}`);
    const message = `${about.action}${where}: the API server answered ${code}: ${said}`;
    if (code >= 500 || code === 429) return new TransientFailure(message);
    if (code === 400 || code === 422) return new InvalidInput(message);
    return new Error(message);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // node-fetch's FetchError (refused, reset, TLS, DNS) and Node's own socket errors: the server was not reached.
  if (err.name === 'FetchError' || 'code' in err) {
    return new TransientFailure(`${about.action}${where}: the API server could not be reached: ${clean(err.message)}`);
  }
  return new Error(`${about.action}${where}: ${clean(err.message)}`);
}

function redact(text: string, secrets: readonly string[]): string {
  // Bearer tokens (JWTs, opaque tokens) and Basic credentials are base64/base64url-like.
  let out = text.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

function statusOf(body: unknown): { reason?: string; message?: string } | undefined {
  try {
    const v = (typeof body === 'string' ? JSON.parse(body) : body) as {
      kind?: string;
      reason?: string;
      message?: string;
    };
    return v?.kind === 'Status' ? v : undefined;
  } catch {
    return undefined;
  }
}

const bodyText = (body: unknown): string =>
  typeof body === 'string' ? body.trim() : body === undefined || body === null ? '' : JSON.stringify(body);

/**
 * `p`, or the signal's reason as soon as it aborts. client-node 1.3 takes no AbortSignal per call, so an aborted
 * read is abandoned rather than torn down: these are GETs, and the answer is simply dropped.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Plain JSON of a client-node object: Date fields become the ISO strings the tables read. */
export const plain = <T>(v: unknown): T => JSON.parse(JSON.stringify(v ?? null)) as T;
