import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubePaths } from './paths';
import { KubeApiError, SandboxKubeClient, waitFor } from './rest';
import type { KubeSettings } from './settings';

/**
 * Pod logs for kwok's simulated pods. kwok's server plays the kubelet's containerLogs endpoint: for a pod it serves
 * the file that a `Logs` object (per pod, namespaced; kwok watches them with --enable-crds=Logs) or a `ClusterLogs`
 * from kwok's --config (the cluster default below) names. The file is read at every request, so rewriting it
 * changes what `kubectl logs` shows at once. Files are in the CRI log format
 * (`<RFC3339Nano> stdout F <line>`), the only formats (with Docker JSON) kwok's reader accepts.
 */

export const KWOK_API_VERSION = 'kwok.x-k8s.io/v1alpha1';

/** The cluster default's name in kwok's --config. */
export const DEFAULT_CLUSTER_LOGS_NAME = 'infra-agent-default-logs';

/** What one container of one pod logs (kubectl logs) and logged before its last restart (kubectl logs --previous). */
export interface PodLogsSpec {
  readonly namespace: string;
  readonly pod: string;
  /**
   * Only this container; the pod's other containers keep what they had (or get the generic default). Omitted:
   * every container of the pod that was given no content of its own.
   */
  readonly container?: string;
  /** The log, oldest first: one entry per line (an entry with newlines is split into several lines). */
  readonly lines: readonly string[];
  /**
   * What `--previous` shows. Omitted: `--previous` fails as for a container that never restarted (kwok answers
   * 400 naming a missing file; kubectl exits 1).
   */
  readonly previousLines?: readonly string[];
  /** Timestamp of the last line (default: now); lines are 1 s apart (`--timestamps`, `--since`). */
  readonly endTime?: Date;
}

export interface PodLogsFiles {
  readonly logsFile: string;
  readonly previousLogsFile: string;
}

export interface SetPodLogsOptions {
  /**
   * When the pod is Running, wait (default up to 15 s) until the apiserver serves the new content: kwok learns of
   * a new Logs object through a watch. 0: do not wait. A pod that is not Running yet is never waited for.
   */
  readonly waitMs?: number;
}

interface LogEntry {
  readonly containers?: readonly string[];
  readonly logsFile?: string;
  readonly previousLogsFile?: string;
}

interface LogsObject {
  readonly spec?: { readonly logs?: readonly LogEntry[] };
}

interface PodObject {
  readonly spec?: { readonly containers?: readonly { readonly name: string }[] };
  readonly status?: { readonly phase?: string };
}

/** A file that never exists: `--previous` of a container without a previous log names it in its error. */
export function noPreviousLogFile(s: KubeSettings): string {
  return join(kubePaths(s).podLogsDir, 'no-previous-terminated-container.log');
}

function splitLines(lines: readonly string[]): string[] {
  return lines.flatMap((l) => l.split(/\r?\n/));
}

/** Lines in the CRI log format, 1 s apart, the last at `end`. */
export function criLogText(lines: readonly string[], end: Date = new Date()): string {
  const all = splitLines(lines);
  const last = end.getTime();
  return all
    .map((line, i) => `${new Date(last - (all.length - 1 - i) * 1000).toISOString()} stdout F ${line}\n`)
    .join('');
}

function criFromTimed(entries: readonly (readonly [Date, string])[]): string {
  return entries.map(([t, line]) => `${t.toISOString()} stdout F ${line}\n`).join('');
}

/** Write via a temporary file and rename: a reader sees the old or the new content, never half of it. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function podDir(s: KubeSettings, namespace: string, pod: string): string {
  return join(kubePaths(s).podLogsDir, 'pods', namespace, pod);
}

function podFiles(s: KubeSettings, namespace: string, pod: string, container: string | undefined): PodLogsFiles {
  const dir = podDir(s, namespace, pod);
  const stem = container ?? '_all';
  return { logsFile: join(dir, `${stem}.log`), previousLogsFile: join(dir, `${stem}.previous.log`) };
}

function logsPath(namespace: string, pod: string): string {
  return `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/logs/${encodeURIComponent(pod)}`;
}

function sameContainers(a: LogEntry, container: string | undefined): boolean {
  const cs = a.containers ?? [];
  return container === undefined ? cs.length === 0 : cs.length === 1 && cs[0] === container;
}

/**
 * Sets what `kubectl logs <pod>` (and the API's pods/<pod>/log) returns for a kwok pod: writes the log files
 * under `<kubeDir>/pod-logs/pods/<namespace>/<pod>/` and applies a `Logs` object named like the pod in its
 * namespace (the namespace must exist; the pod need not yet). Calling it again replaces the content. A pod's
 * Logs object takes precedence over the cluster default.
 */
export async function setPodLogs(
  s: KubeSettings,
  spec: PodLogsSpec,
  options: SetPodLogsOptions = {},
): Promise<PodLogsFiles> {
  const files = podFiles(s, spec.namespace, spec.pod, spec.container);
  mkdirSync(podDir(s, spec.namespace, spec.pod), { recursive: true });
  const end = spec.endTime ?? new Date();
  const current = splitLines(spec.lines);
  writeAtomically(files.logsFile, criLogText(current, end));
  if (spec.previousLines) {
    // The previous container stopped a minute before the current one's first line.
    writeAtomically(
      files.previousLogsFile,
      criLogText(spec.previousLines, new Date(end.getTime() - current.length * 1000 - 60_000)),
    );
  } else {
    rmSync(files.previousLogsFile, { force: true });
  }

  const client = new SandboxKubeClient(s);
  const path = logsPath(spec.namespace, spec.pod);
  const existing = (await client.get<LogsObject>(path))?.spec?.logs ?? [];
  const entry: LogEntry = {
    ...(spec.container !== undefined ? { containers: [spec.container] } : {}),
    logsFile: files.logsFile,
    previousLogsFile: spec.previousLines ? files.previousLogsFile : noPreviousLogFile(s),
  };
  const logs = [...existing.filter((e) => !sameContainers(e, spec.container)), entry];
  // A Logs object hides the cluster default for the whole pod: keep a catch-all so other containers still log.
  if (!logs.some((e) => (e.containers ?? []).length === 0)) {
    logs.push({ logsFile: defaultLogFile(s, GENERIC), previousLogsFile: noPreviousLogFile(s) });
  }
  await client.apply(path, {
    apiVersion: KWOK_API_VERSION,
    kind: 'Logs',
    metadata: { name: spec.pod, namespace: spec.namespace },
    spec: { logs },
  });

  const waitMs = options.waitMs ?? 15_000;
  if (waitMs > 0) await waitServed(client, spec, current, waitMs);
  return files;
}

/** When the pod runs, polls its log until the apiserver (through kwok) returns exactly `lines`. */
async function waitServed(
  client: SandboxKubeClient,
  spec: PodLogsSpec,
  lines: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const podPath = `/api/v1/namespaces/${encodeURIComponent(spec.namespace)}/pods/${encodeURIComponent(spec.pod)}`;
  const pod = await client.get<PodObject>(podPath);
  if (pod?.status?.phase !== 'Running') return;
  const container = spec.container ?? pod.spec?.containers?.[0]?.name;
  if (!container) return;
  const want = lines.map((l) => `${l}\n`).join('');
  let got = '';
  await waitFor(
    `kwok to serve the new log of ${spec.namespace}/${spec.pod} (${container})`,
    async () => {
      const query = `container=${encodeURIComponent(container)}`;
      const r = await client.request('GET', `${podPath}/log?${query}`, undefined, undefined, '*/*');
      got = r.status === 200 ? r.body : `HTTP ${r.status}: ${r.body.slice(0, 300)}`;
      return got === want;
    },
    timeoutMs,
    100,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last answer: ${got.slice(0, 300)}`);
  });
}

/**
 * Appends lines to a pod's current log (as set by setPodLogs for the same container): `kubectl logs -f` shows
 * them as they arrive. Timestamps are now.
 */
export function appendPodLogs(s: KubeSettings, spec: Omit<PodLogsSpec, 'previousLines' | 'endTime'>): void {
  const { logsFile } = podFiles(s, spec.namespace, spec.pod, spec.container);
  if (!existsSync(logsFile)) {
    throw new Error(`no log set for ${spec.namespace}/${spec.pod}${spec.container ? ` (${spec.container})` : ''}`);
  }
  appendFileSync(logsFile, criLogText(spec.lines));
}

/** Removes a pod's Logs object and files: the pod falls back to the cluster default. True when there was one. */
export async function clearPodLogs(
  s: KubeSettings,
  target: { readonly namespace: string; readonly pod: string },
): Promise<boolean> {
  const r = await new SandboxKubeClient(s).request('DELETE', logsPath(target.namespace, target.pod));
  if (r.status !== 200 && r.status !== 202 && r.status !== 404) {
    throw new KubeApiError(r.status, r.body, `delete Logs ${target.namespace}/${target.pod}`);
  }
  rmSync(podDir(s, target.namespace, target.pod), { recursive: true, force: true });
  return r.status !== 404;
}

// ---------------------------------------------------------------------------------------------------------------
// The cluster default: every kwok pod without a Logs object logs a realistic application log.

const GENERIC = 'app';

interface SampleService {
  readonly version: string;
  /** Prefix of the ids in `{id}` paths. */
  readonly idPrefix: string;
  readonly routes: readonly (readonly [method: string, path: string, okStatus: number])[];
  readonly dependencies: readonly (readonly [name: string, address: string])[];
  readonly upstream: string;
}

/** Container names (= service names in config/sandbox.yaml) with their own flavour; `app` for every other one. */
const SAMPLE_SERVICES: Readonly<Record<string, SampleService>> = {
  'payments-api': {
    version: '1.2.0',
    idPrefix: 'pay_',
    routes: [
      ['POST', '/v1/payments', 201],
      ['GET', '/v1/payments/{id}', 200],
      ['POST', '/v1/payments/{id}/capture', 200],
      ['POST', '/v1/refunds', 201],
      ['GET', '/v1/customers/{cust}/payments', 200],
    ],
    dependencies: [
      ['postgres', 'payments-db.payments.svc:5432'],
      ['redis', 'payments-cache.payments.svc:6379'],
    ],
    upstream: 'ledger',
  },
  'checkout-web': {
    version: '2.4.1',
    idPrefix: 'cart_',
    routes: [
      ['GET', '/', 200],
      ['GET', '/cart', 200],
      ['POST', '/cart/items', 201],
      ['POST', '/checkout', 303],
      ['GET', '/static/app.3f9a1c2.js', 200],
    ],
    dependencies: [['redis', 'sessions.checkout.svc:6379']],
    upstream: 'payments-api',
  },
  [GENERIC]: {
    version: '0.9.3',
    idPrefix: 'item_',
    routes: [
      ['GET', '/api/v1/items', 200],
      ['GET', '/api/v1/items/{id}', 200],
      ['POST', '/api/v1/items', 201],
      ['DELETE', '/api/v1/items/{id}', 204],
    ],
    dependencies: [['postgres', 'db:5432']],
    upstream: 'inventory',
  },
};

/** A small deterministic PRNG (mulberry32), so the sample log is the same on every run but for its timestamps. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * A realistic log of `service` (`count` lines, the last at `end`): start-up, request lines with status and
 * latency, health checks, pool stats, now and then a slow request, a retried upstream call or a 5xx.
 */
export function sampleServiceLog(service: string, count = 300, end: Date = new Date()): [Date, string][] {
  const svc = SAMPLE_SERVICES[service] ?? SAMPLE_SERVICES[GENERIC]!;
  const rnd = prng(seedOf(service));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  const lines: string[] = [];
  const gaps: number[] = [];
  const emit = (level: string, logger: string, msg: string, gapMs: number): void => {
    lines.push(`${level.padEnd(5)} [${logger}] ${msg}`);
    gaps.push(gapMs);
  };
  emit('INFO', 'main', `starting ${service} version=${svc.version} commit=${hex(7)} pid=1`, 0);
  emit('INFO', 'config', `loaded config from /etc/${service}/config.yaml env=dev log_level=debug`, 12);
  for (const [name, address] of svc.dependencies) {
    emit('INFO', name, `connecting to ${address}`, 5);
    emit('INFO', name, `connected to ${address} in ${20 + Math.floor(rnd() * 60)}ms pool_size=20`, 40);
  }
  emit('INFO', 'http', 'listening on :8080', 3);
  emit('INFO', 'main', `${service} ready in ${400 + Math.floor(rnd() * 500)}ms`, 1);
  while (lines.length < count) {
    const r = rnd();
    const gap = 200 + Math.floor(rnd() * 2800);
    const req = `request_id=req_${hex(12)}`;
    const remote = `remote=10.244.${Math.floor(rnd() * 4)}.${2 + Math.floor(rnd() * 250)}`;
    if (r < 0.12) {
      emit('DEBUG', 'http', `GET /healthz 200 ${1 + Math.floor(rnd() * 2)}ms ${remote}`, gap);
    } else if (r < 0.16) {
      const used = Math.floor(rnd() * 12);
      emit('INFO', 'pool', `stats open=${used + 8} idle=8 in_use=${used} wait_count=0 wait_ms=0`, gap);
    } else if (r < 0.2) {
      const [method, path] = pick(svc.routes);
      emit(
        'WARN',
        'http',
        `slow request ${method} ${fill(path, svc.idPrefix, hex)} took ${1100 + Math.floor(rnd() * 2500)}ms threshold=1000ms ${req}`,
        gap,
      );
    } else if (r < 0.23) {
      emit(
        'WARN',
        svc.upstream,
        `call failed, retrying attempt=2 backoff=200ms error="context deadline exceeded" ${req}`,
        gap,
      );
    } else if (r < 0.25) {
      const [method, path] = pick(svc.routes);
      emit(
        'ERROR',
        'http',
        `${method} ${fill(path, svc.idPrefix, hex)} 502 ${5000 + Math.floor(rnd() * 20)}ms error="upstream ${svc.upstream}: timeout after 5s" ${req}`,
        gap,
      );
    } else if (r < 0.28) {
      const [method, path] = pick(svc.routes);
      emit(
        'INFO',
        'http',
        `${method} ${fill(path, svc.idPrefix, hex)} 404 ${2 + Math.floor(rnd() * 6)}ms ${req} ${remote}`,
        gap,
      );
    } else {
      const [method, path, ok] = pick(svc.routes);
      const ms = method === 'GET' ? 2 + Math.floor(rnd() * 40) : 8 + Math.floor(rnd() * 120);
      emit(
        'INFO',
        'http',
        `${method} ${fill(path, svc.idPrefix, hex)} ${ok} ${ms}ms bytes=${120 + Math.floor(rnd() * 4000)} ${req} ${remote}`,
        gap,
      );
    }
  }
  // Timestamps backwards from `end`; each line carries its own (the app's) timestamp too.
  const out: [Date, string][] = [];
  let t = end.getTime();
  for (let i = lines.length - 1; i >= 0; i--) {
    const at = new Date(t);
    out.unshift([at, `${at.toISOString()} ${lines[i]}`]);
    t -= gaps[i] ?? 0;
  }
  return out;
}

function fill(path: string, idPrefix: string, hex: (n: number) => string): string {
  return path.replace('{id}', `${idPrefix}${hex(10)}`).replace('{cust}', `cus_${hex(8)}`);
}

function defaultLogFile(s: KubeSettings, container: string): string {
  return join(kubePaths(s).podLogsDir, 'default', `${container}.log`);
}

/**
 * Writes the default logs (300 lines per sample service, ending now) and returns the `ClusterLogs` for kwok's
 * --config that serves them: containers named like a sample service get its log, every other container the generic
 * one; `--previous` fails (no container restarted). Rewritten by every prepareKube, so the timestamps are recent.
 */
export function writeDefaultPodLogs(s: KubeSettings, end: Date = new Date()): object {
  const dir = join(kubePaths(s).podLogsDir, 'default');
  mkdirSync(dir, { recursive: true });
  const names = Object.keys(SAMPLE_SERVICES).filter((n) => n !== GENERIC);
  for (const name of [...names, GENERIC]) {
    writeAtomically(defaultLogFile(s, name), criFromTimed(sampleServiceLog(name, 300, end)));
  }
  return {
    apiVersion: KWOK_API_VERSION,
    kind: 'ClusterLogs',
    metadata: { name: DEFAULT_CLUSTER_LOGS_NAME },
    spec: {
      logs: [
        ...names.map((name) => ({
          containers: [name],
          logsFile: defaultLogFile(s, name),
          previousLogsFile: noPreviousLogFile(s),
        })),
        { logsFile: defaultLogFile(s, GENERIC), previousLogsFile: noPreviousLogFile(s) },
      ],
    },
  };
}
