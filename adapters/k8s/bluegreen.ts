import type { Colour, TrafficWeights } from '../../core/rollout/types';
import { checkWeights } from '../../core/rollout/types';
import { InvalidInput } from '../../core/errors';
import type { RunCommand } from '../cli/run-command';
import { toolFailure } from './errors';
import type { KubeRestReader } from './rest';
import { apiPath } from './rest';
import type { KubeTarget } from './target';

/**
 * Blue/green objects in Kubernetes: for a service `payments-api` in namespace `payments-dev`, the colours are the
 * Deployment + Service `payments-api-blue` and `payments-api-green`, and the Istio VirtualService `payments-api`
 * splits traffic between hosts `payments-api-blue` and `payments-api-green` by weight.
 *
 * The manifest and argv builders are pure; the small run functions below them are the only kubectl calls. Every
 * argv starts with `--kubeconfig <k> --context <c>` from the KubeTarget, and nothing goes through a shell. Writes
 * are server-side applies of JSON on stdin (idempotent, conflicts forced: infra-agent owns these objects).
 */

export const FIELD_MANAGER = 'infra-agent';
/** Scaling applies only `spec.replicas`, under a manager of its own so infra-agent's other fields stay owned. */
export const SCALE_FIELD_MANAGER = 'infra-agent-scale';
export const LABEL_APP = 'app';
export const LABEL_COLOUR = 'infra-agent/colour';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const ANNOTATION_OPERATION = 'infra-agent/operation';
/**
 * What the last rollout applied to a colour's Deployment, recorded on the Deployment itself so `drift service`
 * compares the live spec with it: the image, the replica count (rewritten by every scale) and the container's env
 * vars (a JSON object; rollouts set none, so `{}`). A `kubectl scale` or `kubectl set image` changes the spec and
 * leaves these, which is exactly the drift to find.
 */
export const ANNOTATION_APPLIED_IMAGE = 'infra-agent/applied-image';
export const ANNOTATION_APPLIED_REPLICAS = 'infra-agent/applied-replicas';
export const ANNOTATION_APPLIED_ENV = 'infra-agent/applied-env';
/** The env vars a rollout gives the service's container: none (the recorded value is this, as JSON). */
export const APPLIED_ENV_NONE = '{}';
/** The VirtualService API version: v1beta1 is served by every Istio since 1.5 (v1 only since 1.22). */
export const VIRTUAL_SERVICE_API = 'networking.istio.io/v1beta1';
export const VIRTUAL_SERVICE_ROUTE_NAME = 'blue-green';

export interface ColourRef {
  readonly namespace: string;
  readonly service: string;
  readonly colour: Colour;
}

export interface ColourSpec extends ColourRef {
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  readonly operationId: string;
  /** The service container's env vars (default none: a rollout sets none); recorded as `infra-agent/applied-env`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** `<service>-<colour>`: the Deployment's and the Service's name. */
export function colourName(service: string, colour: Colour): string {
  return `${service}-${colour}`;
}

/** `app=<service>,infra-agent/colour=<colour>`: the colour's pods. */
export function colourSelector(service: string, colour: Colour): string {
  return `${LABEL_APP}=${service},${LABEL_COLOUR}=${colour}`;
}

// ---- input checks (everything below reaches kubectl, so it is checked first) ----

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Refuses a namespace or service name Kubernetes would refuse, naming the field and the rule. */
export function checkNames(namespace: string, service: string): void {
  if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
    throw new InvalidInput(
      `namespace: '${namespace}' is not a valid Kubernetes namespace; use lower-case letters, digits and '-', ` +
        `starting with a letter, at most 63 characters`,
    );
  }
  // The longest derived name is `<service>-green`, and Service names are DNS-1035 labels of at most 63.
  if (!DNS_LABEL.test(service) || service.length > 63 - '-green'.length) {
    throw new InvalidInput(
      `service: '${service}' cannot name Kubernetes objects; use lower-case letters, digits and '-', starting ` +
        `with a letter, at most ${63 - '-green'.length} characters (so '${service}-green' fits in 63)`,
    );
  }
}

function checkReplicas(replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > 1000) {
    throw new InvalidInput(`replicas: ${String(replicas)} is not a whole number from 0 to 1000`);
  }
}

function checkSpec(s: ColourSpec): void {
  checkNames(s.namespace, s.service);
  if (!s.image || /\s/.test(s.image) || s.image.length > 512) {
    throw new InvalidInput(
      `image: '${s.image}' is not an image reference; give repository:tag, e.g. ghcr.io/example/app:1.2.0`,
    );
  }
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) {
    throw new InvalidInput(`port: ${String(s.port)} is not a port number from 1 to 65535`);
  }
  checkReplicas(s.replicas);
}

// ---- manifests (pure) ----

function labels(service: string, colour?: Colour): Record<string, string> {
  return {
    [LABEL_APP]: service,
    ...(colour ? { [LABEL_COLOUR]: colour } : {}),
    [LABEL_MANAGED_BY]: FIELD_MANAGER,
  };
}

export function namespaceManifest(namespace: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { [LABEL_MANAGED_BY]: FIELD_MANAGER } },
  };
}

/**
 * The colour's Deployment. The operation id is an annotation of the Deployment only: in the pod template it would
 * restart every pod on each operation even when nothing else changed.
 */
export function deploymentManifest(s: ColourSpec): Record<string, unknown> {
  checkSpec(s);
  const envs = Object.entries(s.env ?? {}).map(([name, value]) => ({ name, value }));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: colourName(s.service, s.colour),
      namespace: s.namespace,
      labels: labels(s.service, s.colour),
      annotations: {
        [ANNOTATION_OPERATION]: s.operationId,
        [ANNOTATION_APPLIED_IMAGE]: s.image,
        [ANNOTATION_APPLIED_REPLICAS]: String(s.replicas),
        [ANNOTATION_APPLIED_ENV]: envs.length ? JSON.stringify(s.env) : APPLIED_ENV_NONE,
      },
    },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: { [LABEL_APP]: s.service, [LABEL_COLOUR]: s.colour } },
      template: {
        metadata: { labels: labels(s.service, s.colour) },
        spec: {
          containers: [
            {
              name: s.service,
              image: s.image,
              ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
              ...(envs.length ? { env: envs } : {}),
            },
          ],
        },
      },
    },
  };
}

/** The colour's Service: the colour's pods on the service port. */
export function serviceManifest(s: ColourSpec): Record<string, unknown> {
  checkSpec(s);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: colourName(s.service, s.colour),
      namespace: s.namespace,
      labels: labels(s.service, s.colour),
      annotations: { [ANNOTATION_OPERATION]: s.operationId },
    },
    spec: {
      type: 'ClusterIP',
      selector: { [LABEL_APP]: s.service, [LABEL_COLOUR]: s.colour },
      ports: [{ name: 'http', port: s.port, targetPort: s.port, protocol: 'TCP' }],
    },
  };
}

/**
 * The service's stable Service `<service>` over both colours (selector app only): the host clients call and the
 * VirtualService's `hosts` entry; the mesh then splits by weight between `<service>-blue` and `<service>-green`.
 */
export function stableServiceManifest(s: ColourSpec): Record<string, unknown> {
  checkSpec(s);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: s.service,
      namespace: s.namespace,
      labels: labels(s.service),
      annotations: { [ANNOTATION_OPERATION]: s.operationId },
    },
    spec: {
      type: 'ClusterIP',
      selector: { [LABEL_APP]: s.service },
      ports: [{ name: 'http', port: s.port, targetPort: s.port, protocol: 'TCP' }],
    },
  };
}

/** Only `spec.replicas` (applied under SCALE_FIELD_MANAGER). */
export function scaleManifest(r: ColourRef, replicas: number): Record<string, unknown> {
  checkNames(r.namespace, r.service);
  checkReplicas(replicas);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: colourName(r.service, r.colour),
      namespace: r.namespace,
      // The scale is part of what the rollout applied: `drift service` compares spec.replicas with this.
      annotations: { [ANNOTATION_APPLIED_REPLICAS]: String(replicas) },
    },
    spec: { replicas },
  };
}

/** The VirtualService `<service>`: one http route to both colours, both weights always written (even 0). */
export function virtualServiceManifest(v: {
  readonly namespace: string;
  readonly service: string;
  readonly weights: TrafficWeights;
  readonly operationId: string;
}): Record<string, unknown> {
  checkNames(v.namespace, v.service);
  checkWeights(v.weights);
  return {
    apiVersion: VIRTUAL_SERVICE_API,
    kind: 'VirtualService',
    metadata: {
      name: v.service,
      namespace: v.namespace,
      labels: labels(v.service),
      annotations: { [ANNOTATION_OPERATION]: v.operationId },
    },
    spec: {
      hosts: [v.service],
      http: [
        {
          name: VIRTUAL_SERVICE_ROUTE_NAME,
          route: [
            { destination: { host: colourName(v.service, 'blue') }, weight: v.weights.blue },
            { destination: { host: colourName(v.service, 'green') }, weight: v.weights.green },
          ],
        },
      ],
    },
  };
}

// ---- argv (pure) ----

export function kubeBase(t: KubeTarget): string[] {
  return ['--kubeconfig', t.kubeconfig, '--context', t.context];
}

/** Server-side apply of the JSON on stdin. */
export function applyArgv(t: KubeTarget, fieldManager: string = FIELD_MANAGER): string[] {
  return [...kubeBase(t), 'apply', '--server-side', `--field-manager=${fieldManager}`, '--force-conflicts', '-f', '-'];
}

/**
 * A strategic-merge patch deleting the named env vars from the service's container (by name, so no index races).
 * Server-side apply cannot remove a field another manager owns (`kubectl set env` owns the vars it added); deleting
 * them by name can.
 */
export function removeEnvArgv(t: KubeTarget, r: ColourRef, names: readonly string[]): string[] {
  checkNames(r.namespace, r.service);
  const patch = {
    spec: {
      template: {
        spec: { containers: [{ name: r.service, env: names.map((name) => ({ name, $patch: 'delete' })) }] },
      },
    },
  };
  return [
    ...kubeBase(t),
    'patch',
    'deployment',
    colourName(r.service, r.colour),
    '--namespace',
    r.namespace,
    '--type',
    'strategic',
    `--field-manager=${FIELD_MANAGER}`,
    '--patch',
    JSON.stringify(patch),
  ];
}

/** One or more named objects as JSON; missing ones are left out (no error). A cluster-scoped kind takes no namespace. */
export function getArgv(t: KubeTarget, resource: string, names: readonly string[], namespace?: string): string[] {
  return [
    ...kubeBase(t),
    'get',
    resource,
    ...names,
    ...(namespace ? ['--namespace', namespace] : []),
    '--ignore-not-found',
    '--output',
    'json',
  ];
}

/** Every object of a kind in the namespace matching a label selector, as JSON. */
export function listArgv(t: KubeTarget, resource: string, namespace: string, selector: string): string[] {
  return [...kubeBase(t), 'get', resource, '--namespace', namespace, '--selector', selector, '--output', 'json'];
}

// ---- the objects as read back (only the fields used) ----

export interface KubeMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly generation?: number;
  readonly deletionTimestamp?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface DeploymentObject {
  readonly kind?: string;
  readonly metadata: KubeMeta;
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: {
      readonly spec?: {
        readonly containers?: readonly {
          readonly name: string;
          readonly image?: string;
          readonly ports?: readonly { readonly containerPort?: number }[];
          readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
        }[];
      };
    };
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly conditions?: readonly {
      readonly type: string;
      readonly status: string;
      readonly reason?: string;
      readonly message?: string;
    }[];
  };
}

export interface ServiceObject {
  readonly kind?: string;
  readonly metadata: KubeMeta;
  readonly spec?: {
    readonly selector?: Record<string, string>;
    readonly ports?: readonly { readonly port?: number; readonly targetPort?: number | string }[];
  };
}

export interface ContainerStatus {
  readonly name: string;
  readonly ready?: boolean;
  readonly restartCount?: number;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly terminated?: { readonly reason?: string; readonly exitCode?: number; readonly message?: string };
    readonly running?: unknown;
  };
}

export interface PodObject {
  readonly metadata: KubeMeta;
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
    readonly containerStatuses?: readonly ContainerStatus[];
    readonly initContainerStatuses?: readonly ContainerStatus[];
  };
}

export interface VirtualServiceObject {
  readonly kind?: string;
  readonly metadata: KubeMeta;
  readonly spec?: {
    readonly hosts?: readonly string[];
    readonly http?: readonly {
      readonly name?: string;
      readonly route?: readonly { readonly destination?: { readonly host?: string }; readonly weight?: number }[];
    }[];
  };
}

// ---- running kubectl ----

export interface KubectlRunner {
  readonly run: RunCommand;
  /** Path of kubectl (config `tools.kubectl`). */
  readonly bin: string;
  readonly target: KubeTarget;
  readonly signal?: AbortSignal;
  /** Per call; default 60000. */
  readonly timeoutMs?: number;
  /** Reads over HTTPS in process when the kubeconfig allows (adapters/k8s/rest.ts); kubectl otherwise. */
  readonly rest?: KubeRestReader;
}

async function kubectl(k: KubectlRunner, args: string[], what: string, stdin?: string): Promise<string> {
  const res = await k.run({
    file: k.bin,
    args,
    timeoutMs: k.timeoutMs ?? 60_000,
    ...(stdin !== undefined ? { stdin } : {}),
    ...(k.signal ? { signal: k.signal } : {}),
  });
  if (res.exitCode !== 0) throw toolFailure('kubectl', what, res);
  return res.stdout;
}

function parseJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`kubectl ${what} did not print JSON: ${text.slice(0, 200)}`);
  }
}

/** Named objects of one kind that exist (`--ignore-not-found`: missing ones are simply absent from the list). */
export async function getObjects<T>(
  k: KubectlRunner,
  resource: string,
  names: readonly string[],
  namespace?: string,
): Promise<T[]> {
  const paths = names.map((n) => apiPath(resource, namespace, n));
  if (k.rest && paths.every((p) => p !== undefined)) {
    const rest = k.rest;
    const found = await Promise.all(paths.map((p) => rest.get<T>(p, k.signal)));
    return found.filter((x): x is Awaited<T> => x !== undefined);
  }
  const what = `get ${resource} ${names.join(' ')}${namespace ? ` in ${namespace}` : ''}`;
  const out = (await kubectl(k, getArgv(k.target, resource, names, namespace), what)).trim();
  if (!out) return [];
  const parsed = parseJson<{ kind?: string; items?: T[] }>(out, what);
  // One name comes back bare, several come back as a List.
  return Array.isArray(parsed.items) ? parsed.items : [parsed as T];
}

/** One named object, or undefined when it (or its namespace) does not exist. */
export async function getObject<T>(
  k: KubectlRunner,
  resource: string,
  name: string,
  namespace?: string,
): Promise<T | undefined> {
  return (await getObjects<T>(k, resource, [name], namespace))[0];
}

export async function listObjects<T>(
  k: KubectlRunner,
  resource: string,
  namespace: string,
  selector: string,
): Promise<T[]> {
  const path = apiPath(resource, namespace);
  if (k.rest && path) {
    const list = await k.rest.get<{ items?: T[] }>(`${path}?labelSelector=${encodeURIComponent(selector)}`, k.signal);
    return list?.items ?? [];
  }
  const what = `get ${resource} -l ${selector} in ${namespace}`;
  const out = await kubectl(k, listArgv(k.target, resource, namespace, selector), what);
  return parseJson<{ items?: T[] }>(out, what).items ?? [];
}

export function listPods(k: KubectlRunner, namespace: string, selector: string): Promise<PodObject[]> {
  return listObjects<PodObject>(k, 'pods', namespace, selector);
}

/** Server-side apply of the manifests (a List when several), as FIELD_MANAGER unless told otherwise. */
export async function applyManifests(
  k: KubectlRunner,
  manifests: readonly Record<string, unknown>[],
  fieldManager: string = FIELD_MANAGER,
): Promise<void> {
  const body = manifests.length === 1 ? manifests[0] : { apiVersion: 'v1', kind: 'List', items: manifests };
  const what = `apply ${manifests.map((m) => `${String(m.kind)}/${String((m.metadata as KubeMeta).name)}`).join(', ')}`;
  await kubectl(k, applyArgv(k.target, fieldManager), what, JSON.stringify(body));
}

/** Deletes the named env vars from the colour's service container (see removeEnvArgv). */
export async function removeEnv(k: KubectlRunner, r: ColourRef, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await kubectl(
    k,
    removeEnvArgv(k.target, r, names),
    `remove env ${names.join(', ')} from ${colourName(r.service, r.colour)}`,
  );
}

/** Creates the namespace when it does not exist; leaves an existing one (and whoever manages it) alone. */
export async function ensureNamespace(k: KubectlRunner, namespace: string): Promise<boolean> {
  if (await getObject(k, 'namespace', namespace)) return false;
  await applyManifests(k, [namespaceManifest(namespace)]);
  return true;
}

// ---- reading the objects (pure) ----

/** The service's container (named after the service), else the first one. */
export function deploymentContainer(
  d: DeploymentObject,
  service: string,
): { readonly image?: string; readonly port?: number } {
  const cs = d.spec?.template?.spec?.containers ?? [];
  const c = cs.find((x) => x.name === service) ?? cs[0];
  return { image: c?.image, port: c?.ports?.[0]?.containerPort };
}

/** Blue and green weights of the VirtualService's first http route (short or fully qualified hosts). */
export function virtualServiceWeights(vs: VirtualServiceObject, service: string): TrafficWeights | undefined {
  const route = vs.spec?.http?.[0]?.route ?? [];
  const weightOf = (colour: Colour): number | undefined => {
    const host = colourName(service, colour);
    const r = route.find((x) => {
      const h = x.destination?.host ?? '';
      return h === host || h.startsWith(`${host}.`);
    });
    if (!r) return undefined;
    // Istio: a route's only destination takes all traffic when it names no weight.
    return r.weight ?? (route.length === 1 ? 100 : 0);
  };
  const blue = weightOf('blue');
  const green = weightOf('green');
  if (blue === undefined && green === undefined) return undefined;
  return { blue: blue ?? 0, green: green ?? 0 };
}

/** Why a pod is not going to become Ready by waiting, or undefined. Plain words: "pod x: CrashLoopBackOff (…)". */
export function podProblem(p: PodObject): string | undefined {
  const name = p.metadata.name;
  const st = p.status ?? {};
  if (st.phase === 'Failed') {
    const why = st.reason ?? terminatedReason(st.containerStatuses) ?? '';
    return `pod ${name} is Failed${why ? ` (${why})` : ''}`;
  }
  const bad =
    /^(CrashLoopBackOff|ImagePullBackOff|ErrImagePull|InvalidImageName|CreateContainerConfigError|CreateContainerError|RunContainerError)$/;
  for (const c of [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting?.reason;
    if (waiting && bad.test(waiting)) {
      const restarts = c.restartCount ?? 0;
      return `pod ${name}: ${waiting}${restarts > 0 ? ` (container ${c.name} restarted ${restarts} times)` : ` (container ${c.name})`}`;
    }
    const term = c.state?.terminated;
    if (term && term.reason === 'Error') {
      return `pod ${name}: container ${c.name} exited with Error (exit code ${term.exitCode ?? '?'})`;
    }
  }
  return undefined;
}

function terminatedReason(cs: readonly ContainerStatus[] | undefined): string | undefined {
  for (const c of cs ?? []) if (c.state?.terminated?.reason) return c.state.terminated.reason;
  return undefined;
}

export function podReady(p: PodObject): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export function podRestarts(p: PodObject): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}
