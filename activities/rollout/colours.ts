import type { DeploymentObject, KubectlRunner, PodObject, ServiceObject } from '../../adapters/k8s/bluegreen';
import {
  ANNOTATION_APPLIED_ENV,
  ANNOTATION_APPLIED_IMAGE,
  ANNOTATION_APPLIED_REPLICAS,
  APPLIED_ENV_NONE,
  applyManifests,
  checkNames,
  colourName,
  colourSelector,
  deploymentContainer,
  deploymentManifest,
  ensureNamespace,
  getObject,
  getObjects,
  LABEL_APP,
  LABEL_COLOUR,
  listObjects,
  listPods,
  podProblem,
  scaleManifest,
  SCALE_FIELD_MANAGER,
  serviceManifest,
  stableServiceManifest,
} from '../../adapters/k8s/bluegreen';
import { InvalidInput } from '../../core/errors';
import { rolloutState } from '../../core/k8s/rollout-status';
import type {
  Colour,
  ColourStatus,
  DeployColourInput,
  DeployColourResult,
  ReadColoursInput,
  ReadColoursResult,
  ScaleColourInput,
  ScaleColourResult,
  ServiceTarget,
  WaitColourReadyInput,
  WaitColourReadyResult,
} from '../../core/rollout/types';
import { restReaderFor } from '../../adapters/k8s/rest';
import type { RolloutDeps } from './deps';
import { cancellationSignal, heartbeat, kubeTargetOf } from './deps';

/** kubectl against the target environment's cluster (kubeconfig and context checked first). */
export async function kubectlFor(deps: RolloutDeps, t: ServiceTarget): Promise<KubectlRunner> {
  checkNames(t.namespace, t.service);
  const target = await kubeTargetOf(deps, t);
  const signal = cancellationSignal();
  const rest = await restReaderFor(target);
  return { run: deps.run, bin: deps.kubectlBin, target, ...(signal ? { signal } : {}), ...(rest ? { rest } : {}) };
}

function status(colour: Colour, service: string, d: DeploymentObject | undefined): ColourStatus {
  if (!d) return { colour, exists: false, replicas: 0, readyReplicas: 0 };
  const { image } = deploymentContainer(d, service);
  return {
    colour,
    exists: true,
    ...(image ? { image } : {}),
    replicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
  };
}

/** Both colours' Deployments in one read; a missing one is `exists: false`, not an error. */
export async function readColours(deps: RolloutDeps, input: ReadColoursInput): Promise<ReadColoursResult> {
  const { service, namespace } = input.target;
  const k = await kubectlFor(deps, input.target);
  const found = await getObjects<DeploymentObject>(
    k,
    'deployment',
    [colourName(service, 'blue'), colourName(service, 'green')],
    namespace,
  );
  const byName = (c: Colour) => found.find((d) => d.metadata.name === colourName(service, c));
  return { blue: status('blue', service, byName('blue')), green: status('green', service, byName('green')) };
}

/** True when the live Deployment and Service already are what the input asks for. */
function alreadyRuns(
  input: DeployColourInput,
  d: DeploymentObject | undefined,
  s: ServiceObject | undefined,
  stable: ServiceObject | undefined,
): boolean {
  if (!d || !s || d.metadata.deletionTimestamp || s.metadata.deletionTimestamp) return false;
  if (stable?.spec?.ports?.[0]?.port !== input.port) return false;
  const { service } = input.target;
  const c = deploymentContainer(d, service);
  const svcPort = s.spec?.ports?.[0];
  const recorded = d.metadata.annotations ?? {};
  return (
    // What `drift service` compares with must be recorded too (Deployments from before it was are re-applied).
    recorded[ANNOTATION_APPLIED_IMAGE] === input.image &&
    recorded[ANNOTATION_APPLIED_REPLICAS] === String(input.replicas) &&
    recorded[ANNOTATION_APPLIED_ENV] === APPLIED_ENV_NONE &&
    c.image === input.image &&
    c.port === input.port &&
    (d.spec?.replicas ?? 1) === input.replicas &&
    svcPort?.port === input.port &&
    s.spec?.selector?.[LABEL_APP] === service &&
    s.spec?.selector?.[LABEL_COLOUR] === input.colour
  );
}

/**
 * Creates the namespace if missing, then applies the colour's Deployment and Service. Reads first: when the colour
 * already runs exactly this image, port and replica count, nothing is written and `changed` is false (so a retried
 * or re-run activity is a no-op).
 */
export async function deployColour(deps: RolloutDeps, input: DeployColourInput): Promise<DeployColourResult> {
  const { service, namespace } = input.target;
  const spec = {
    namespace,
    service,
    colour: input.colour,
    image: input.image,
    port: input.port,
    replicas: input.replicas,
    operationId: input.operationId,
  };
  // Built (and so checked) before anything is read or written.
  const manifests = [deploymentManifest(spec), serviceManifest(spec), stableServiceManifest(spec)];
  const k = await kubectlFor(deps, input.target);
  const name = colourName(service, input.colour);
  const d = await getObject<DeploymentObject>(k, 'deployment', name, namespace);
  const s = d ? await getObject<ServiceObject>(k, 'service', name, namespace) : undefined;
  const stable = s ? await getObject<ServiceObject>(k, 'service', service, namespace) : undefined;
  if (alreadyRuns(input, d, s, stable)) return { changed: false };
  await ensureNamespace(k, namespace);
  await applyManifests(k, manifests);
  return { changed: true };
}

interface ReplicaSetObject {
  readonly metadata: {
    readonly name: string;
    readonly annotations?: Record<string, string>;
    readonly labels?: Record<string, string>;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
  };
}

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * Rolled out as `kubectl rollout status` judges it — the one check the Kubernetes agent uses too
 * (core/k8s/rollout-status.ts) — plus what blue/green needs before traffic: every desired replica Ready and
 * Available, and no extra pods left over from a scale-down or a surge (exactly the wanted count exists).
 */
function rolledOut(d: DeploymentObject): boolean {
  const want = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  return (
    rolloutState('deployment', d).done &&
    (st.replicas ?? 0) === want &&
    (st.readyReplicas ?? 0) >= want &&
    (st.availableReplicas ?? 0) >= want
  );
}

/**
 * The pods of the Deployment's current ReplicaSet (old ones being replaced are not judged), or undefined while
 * the controller has not caught up with the Deployment's latest generation yet.
 */
async function currentPods(
  k: KubectlRunner,
  d: DeploymentObject,
  namespace: string,
  selector: string,
): Promise<PodObject[] | undefined> {
  if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return undefined;
  const revision = d.metadata.annotations?.[REVISION];
  const out = await listObjects<ReplicaSetObject>(k, 'replicasets', namespace, selector);
  const rs = out.find(
    (r) =>
      r.metadata.annotations?.[REVISION] === revision &&
      (r.metadata.ownerReferences ?? []).some((o) => o.kind === 'Deployment' && o.name === d.metadata.name),
  );
  const hash = rs?.metadata.labels?.['pod-template-hash'];
  if (!hash) return undefined;
  const pods = await listPods(k, namespace, `${selector},pod-template-hash=${hash}`);
  return pods.filter((p) => !p.metadata.deletionTimestamp);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Polls the colour every `pollMs` (default 2000), heartbeating each time, until its Deployment is rolled out with
 * every replica Ready (`ready: true`). Returns early with `ready: false` when a pod of the current ReplicaSet cannot
 * get there by waiting (Failed, CrashLoopBackOff, ImagePullBackOff, …) or the Deployment exceeded its progress
 * deadline, and with "x/y ready after Ns" at the timeout. Those are answers, not errors: it never throws for them.
 */
export async function waitColourReady(deps: RolloutDeps, input: WaitColourReadyInput): Promise<WaitColourReadyResult> {
  const { service, namespace } = input.target;
  if (!Number.isFinite(input.timeoutSeconds) || input.timeoutSeconds < 0) {
    throw new InvalidInput(`timeoutSeconds: ${String(input.timeoutSeconds)} is not a number of seconds (0 or more)`);
  }
  const pollMs = input.pollMs ?? 2000;
  if (!Number.isFinite(pollMs) || pollMs < 10) {
    throw new InvalidInput(`pollMs: ${String(pollMs)} is too small; poll at most every 10 ms (default 2000)`);
  }
  const k = await kubectlFor(deps, input.target);
  const now = deps.now ?? Date.now;
  const started = now();
  const deadline = started + input.timeoutSeconds * 1000;
  const name = colourName(service, input.colour);
  const selector = colourSelector(service, input.colour);
  for (;;) {
    const d = await getObject<DeploymentObject>(k, 'deployment', name, namespace);
    const elapsed = Math.round((now() - started) / 1000);
    if (!d) {
      heartbeat({ colour: input.colour, exists: false });
      return {
        ready: false,
        replicas: 0,
        readyReplicas: 0,
        message: `deployment ${name} does not exist in namespace ${namespace}; deploy the colour first`,
      };
    }
    const replicas = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    heartbeat({ colour: input.colour, replicas, readyReplicas: ready, elapsedSeconds: elapsed });
    if (rolledOut(d)) {
      return { ready: true, replicas, readyReplicas: ready, message: `${ready}/${replicas} pods ready` };
    }
    const stalled = d.status?.conditions?.find(
      (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stalled) {
      return {
        ready: false,
        replicas,
        readyReplicas: ready,
        message: `deployment ${name} exceeded its progress deadline: ${stalled.message ?? ''}; ${ready}/${replicas} ready`,
      };
    }
    const pods = await currentPods(k, d, namespace, selector);
    const problem = pods?.map(podProblem).find((p) => p !== undefined);
    if (problem) {
      return { ready: false, replicas, readyReplicas: ready, message: `${problem}; ${ready}/${replicas} ready` };
    }
    if (now() >= deadline) {
      return {
        ready: false,
        replicas,
        readyReplicas: ready,
        message: `${ready}/${replicas} ready after ${Math.round((now() - started) / 1000)}s`,
      };
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - now())), k.signal);
  }
}

/**
 * Sets the colour's replica count (only `spec.replicas`, server-side applied). Idempotent: `changed: false` when it
 * already is at that count; scaling a colour that does not exist to 0 is also a no-op (there is nothing to stop).
 */
export async function scaleColour(deps: RolloutDeps, input: ScaleColourInput): Promise<ScaleColourResult> {
  const { service, namespace } = input.target;
  const manifest = scaleManifest({ namespace, service, colour: input.colour }, input.replicas);
  const k = await kubectlFor(deps, input.target);
  const name = colourName(service, input.colour);
  const d = await getObject<DeploymentObject>(k, 'deployment', name, namespace);
  if (!d) {
    if (input.replicas === 0) return { changed: false };
    throw new InvalidInput(
      `colour: deployment ${name} does not exist in namespace ${namespace}, so it cannot be scaled to ` +
        `${input.replicas}; deploy the ${input.colour} colour first`,
    );
  }
  const recorded = d.metadata.annotations?.[ANNOTATION_APPLIED_REPLICAS];
  if ((d.spec?.replicas ?? 1) === input.replicas && recorded === String(input.replicas)) return { changed: false };
  await applyManifests(k, [manifest], SCALE_FIELD_MANAGER);
  return { changed: true };
}
