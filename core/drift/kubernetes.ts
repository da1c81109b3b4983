import type { EnvironmentName } from '../environments';
import type { ResourceDiff } from '../k8s/results';
import type { Colour, TrafficWeights } from '../rollout/types';
import type { DriftAttribution, PropertyDifference, ResourceDrift } from './report';
import { driftFingerprint } from './report';

/**
 * Kubernetes drift: a rollout service's live Deployments compared with what its last rollout applied (recorded on
 * each Deployment as `infra-agent/applied-*` annotations), and a Helm release compared with what the catalog's
 * chart and values render. Pure (workflow-safe): activities read the cluster, these build the report people read,
 * in the same shape as a stack's (per object: field path, expected → actual), fingerprinted the same way.
 */

/** Who changed a Deployment's fields, as its managedFields say (a field manager other than infra-agent's own). */
export interface FieldManagerEntry {
  readonly manager: string;
  readonly operation: string;
  readonly time?: string;
}

/** One colour's Deployment as it is live, and what the last rollout recorded on it. JSON-safe. */
export interface LiveColour {
  readonly colour: Colour;
  /** `<service>-<colour>`. */
  readonly name: string;
  readonly exists: boolean;
  readonly image?: string;
  readonly replicas?: number;
  /** The service container's env vars; a `valueFrom` shows as `(from a reference)`. */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  /** Pods of the colour (app + colour labels) that are Ready, of all of them; and the first problem seen. */
  readonly podsReady?: number;
  readonly pods?: number;
  readonly podProblem?: string;
  /** The `infra-agent/applied-*` annotations as found (absent: no rollout recorded what it applied). */
  readonly recorded?: { readonly image?: string; readonly replicas?: string; readonly env?: string };
  /** Field managers other than infra-agent's that wrote the Deployment (kubectl-scale, kubectl-set, …). */
  readonly otherManagers?: readonly FieldManagerEntry[];
}

/** What `readServiceState` returns: both colours and the traffic split as the router reports it. */
export interface ServiceLiveState {
  readonly service: string;
  readonly namespace: string;
  readonly checkedAt: string;
  readonly colours: readonly LiveColour[];
  /** The split (absent when the router has none yet: the service was never rolled out). */
  readonly weights?: TrafficWeights;
}

/** What `readReleaseDrift` returns: the release's latest revision vs the catalog's rendering. JSON-safe. */
export interface ReleaseLiveState {
  readonly release: string;
  readonly namespace: string;
  readonly checkedAt: string;
  /** Absent: the release is not installed. */
  readonly latest?: {
    readonly revision: number;
    readonly status: string;
    readonly description: string;
    readonly updated: string;
    readonly chart: string;
  };
  /** `before` is the release (live), `after` the catalog's rendering (expected). */
  readonly changes: readonly ResourceDiff[];
  readonly unchanged: number;
}

/** A service's or release's drift as people read it (the same parts as a stack's report). */
export interface KubernetesDriftReport {
  readonly kind: 'service' | 'release';
  readonly environment: EnvironmentName;
  /** The catalog name of the service or release. */
  readonly subject: string;
  readonly namespace: string;
  readonly checkedAt: string;
  readonly status: 'IN_SYNC' | 'DRIFTED' | 'NOT_CHECKED';
  /** Per Kubernetes object: `resourceType` is its kind, `physicalId` its namespace. */
  readonly resources: readonly ResourceDrift[];
  /** NOT_CHECKED as a whole: why (never rolled out, not installed, the cluster could not be read). */
  readonly reason?: string;
  /** What it was compared with, in one line (`the last rollout: green ghcr.io/x:1.2 ×2, blue ×0`). */
  readonly expectedFrom: string;
  /** Objects compared (a release's unchanged objects are not listed in `resources`). */
  readonly objectsChecked: number;
  readonly attribution: DriftAttribution;
  readonly fingerprint: string;
  readonly summary: string;
}

/** True for a service's or release's report (the other drift reports are a stack's or an environment's). */
export const isKubernetesDrift = (r: { readonly kind: string }): r is KubernetesDriftReport =>
  r.kind === 'service' || r.kind === 'release';

/** The alert subject of a Kubernetes drift (`drift/dev/service-payments-api`): apart from stack names. */
export const kubernetesSubject = (r: Pick<KubernetesDriftReport, 'kind' | 'subject'>): string =>
  `${r.kind}-${r.subject}`;

const json = (v: unknown): string => (v === undefined ? 'null' : JSON.stringify(v));
const ours = new Set(['infra-agent', 'infra-agent-scale']);
/** Managers that write Deployments as part of running them, not people changing them. */
const SYSTEM_MANAGERS = /^(kube-controller-manager|kube-scheduler|kubelet)$/;

/** Field managers of a Deployment that are neither infra-agent nor the cluster's own controllers. */
export function otherManagers(
  managedFields: readonly { manager?: string; operation?: string; time?: string; subresource?: string }[] | undefined,
): FieldManagerEntry[] {
  return (managedFields ?? [])
    .filter((m) => m.manager && !ours.has(m.manager) && !SYSTEM_MANAGERS.test(m.manager) && m.subresource !== 'status')
    .map((m) => ({ manager: m.manager ?? '', operation: m.operation ?? '', ...(m.time ? { time: m.time } : {}) }));
}

/** The recorded env vars (`infra-agent/applied-env`, a JSON object), or undefined when absent or not an object. */
export function parseEnv(recorded: string | undefined): Record<string, string> | undefined {
  if (recorded === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(recorded);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

function colourDifferences(service: string, c: LiveColour): PropertyDifference[] {
  const r = c.recorded ?? {};
  const container = `/spec/template/spec/containers/${service}`;
  const out: PropertyDifference[] = [];
  if (r.image !== undefined && r.image !== c.image) {
    out.push({ path: `${container}/image`, type: 'NOT_EQUAL', expected: json(r.image), actual: json(c.image) });
  }
  if (r.replicas !== undefined && Number(r.replicas) !== c.replicas) {
    out.push({ path: '/spec/replicas', type: 'NOT_EQUAL', expected: r.replicas, actual: json(c.replicas) });
  }
  const want = parseEnv(r.env);
  if (want) {
    const live = c.env ?? {};
    for (const name of [...new Set([...Object.keys(want), ...Object.keys(live)])].sort()) {
      const path = `${container}/env/${name}`;
      const [e, a] = [want[name], live[name]];
      if (e === undefined) out.push({ path, type: 'ADD', expected: 'null', actual: json(a) });
      else if (a === undefined) out.push({ path, type: 'REMOVE', expected: json(e), actual: 'null' });
      else if (e !== a) out.push({ path, type: 'NOT_EQUAL', expected: json(e), actual: json(a) });
    }
  }
  return out;
}

const weightOf = (s: ServiceLiveState, colour: Colour): number => s.weights?.[colour] ?? 0;

function colourDrift(s: ServiceLiveState, c: LiveColour): ResourceDrift | undefined {
  const base = { logicalId: c.name, physicalId: s.namespace, resourceType: 'Deployment', ignored: [] };
  if (!c.exists) {
    // An idle colour that never existed is no drift; one that takes traffic must be there.
    if (weightOf(s, c.colour) === 0) return undefined;
    return {
      ...base,
      status: 'DELETED',
      differences: [],
      reason: `takes ${weightOf(s, c.colour)}% of the traffic, but its Deployment is gone`,
    };
  }
  if (!c.recorded?.image) {
    return {
      ...base,
      status: 'NOT_CHECKED',
      differences: [],
      reason:
        'no rollout recorded what it applied here (made before infra-agent recorded it, or by hand); the next rollout records it',
    };
  }
  const differences = colourDifferences(s.service, c);
  return { ...base, status: differences.length ? 'MODIFIED' : 'IN_SYNC', differences };
}

function managerAttribution(colours: readonly LiveColour[], drifted: readonly ResourceDrift[]): DriftAttribution {
  const names = new Set(drifted.map((d) => d.logicalId));
  const events = colours
    .filter((c) => names.has(c.name))
    .flatMap((c) =>
      (c.otherManagers ?? []).map((m) => ({
        at: m.time ?? 'a time not recorded',
        who: `field manager ${m.manager}`,
        action: `${m.operation.toLowerCase() || 'wrote'} ${c.name}`,
      })),
    );
  if (events.length) return { available: true, events };
  return {
    available: false,
    reason:
      "no field manager but infra-agent's wrote these Deployments (a delete, or a change made with infra-agent's own manager); the API server's audit log says who",
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function summaryOf(
  kind: KubernetesDriftReport['kind'],
  subject: string,
  env: EnvironmentName,
  status: KubernetesDriftReport['status'],
  resources: readonly ResourceDrift[],
  checked: number,
  reason?: string,
): string {
  const name = `${kind} ${subject} in ${env}`;
  if (status === 'NOT_CHECKED') return `${name}: NOT CHECKED — ${reason ?? 'nothing could be compared'}`;
  const modified = resources.filter((r) => r.status === 'MODIFIED').length;
  const deleted = resources.filter((r) => r.status === 'DELETED').length;
  const differences = resources.reduce((n, r) => n + r.differences.length, 0);
  const notChecked = resources.filter((r) => r.status === 'NOT_CHECKED').length;
  const tail = notChecked ? `; ${notChecked} not checked` : '';
  if (status === 'IN_SYNC') return `${name}: in sync — ${plural(checked, 'object')} checked${tail}`;
  const parts = [modified ? `${modified} modified` : '', deleted ? `${deleted} deleted` : ''].filter(Boolean);
  return `${name}: DRIFTED — ${parts.join(', ')}${differences ? ` (${plural(differences, 'difference')})` : ''}${tail}`;
}

function finish(head: Omit<KubernetesDriftReport, 'status' | 'fingerprint' | 'summary'>): KubernetesDriftReport {
  const drifted = head.resources.some((r) => r.status === 'MODIFIED' || r.status === 'DELETED');
  const checked = head.objectsChecked > 0;
  const status = head.reason ? 'NOT_CHECKED' : drifted ? 'DRIFTED' : checked ? 'IN_SYNC' : 'NOT_CHECKED';
  const reason =
    head.reason ?? (status === 'NOT_CHECKED' ? 'no object could be compared (see not checked)' : undefined);
  return {
    ...head,
    ...(reason ? { reason } : {}),
    status,
    fingerprint: driftFingerprint(`${head.kind}/${head.environment}/${head.subject}`, head.resources),
    summary: summaryOf(head.kind, head.subject, head.environment, status, head.resources, head.objectsChecked, reason),
  };
}

function describeExpected(s: ServiceLiveState): string {
  const parts = s.colours
    .filter((c) => c.recorded?.image)
    .map((c) => `${c.colour} ${c.recorded?.image ?? ''} ×${c.recorded?.replicas ?? '?'}`);
  const split = s.weights ? ` (traffic blue ${s.weights.blue}% / green ${s.weights.green}%)` : '';
  return `what the last rollout applied: ${parts.join(', ') || 'nothing recorded'}${split}`;
}

/** `drift service`: each colour's live Deployment vs what the last rollout applied to it. */
export function buildServiceDriftReport(env: EnvironmentName, s: ServiceLiveState): KubernetesDriftReport {
  const resources = s.colours.map((c) => colourDrift(s, c)).filter((r): r is ResourceDrift => r !== undefined);
  const never = !s.colours.some((c) => c.exists) && !s.weights;
  const drifted = resources.filter((r) => r.status === 'MODIFIED' || r.status === 'DELETED');
  return finish({
    kind: 'service',
    environment: env,
    subject: s.service,
    namespace: s.namespace,
    checkedAt: s.checkedAt,
    resources,
    ...(never
      ? {
          reason: `${s.service} has never been rolled out in ${env} (no Deployment ${s.service}-blue or -green in ${s.namespace}); roll it out with \`rollout ${s.service} <version> to ${env}\``,
        }
      : {}),
    expectedFrom: describeExpected(s),
    objectsChecked: resources.filter((r) => r.status !== 'NOT_CHECKED').length,
    attribution: managerAttribution(s.colours, drifted),
  });
}

/** `drift release`: the release's latest revision vs what the catalog's chart and values render. */
export function buildReleaseDriftReport(env: EnvironmentName, s: ReleaseLiveState): KubernetesDriftReport {
  const resources: ResourceDrift[] = s.changes.map((c) => {
    const [kind = 'object', , name = c.resource] = c.resource.split('/');
    const base = { logicalId: name, physicalId: s.namespace, resourceType: kind, ignored: [] };
    if (c.change === 'added') {
      return {
        ...base,
        status: 'DELETED',
        differences: [],
        reason: "the catalog's chart renders it; the release has no such object",
      };
    }
    if (c.change === 'removed') {
      return {
        ...base,
        status: 'MODIFIED',
        differences: [{ path: '/', type: 'ADD', expected: 'null', actual: '"(in the release only)"' }],
      };
    }
    const differences: PropertyDifference[] = c.fields.map((f) => ({
      path: `/${f.path.replace(/\./g, '/')}`,
      type: f.after === undefined ? 'ADD' : f.before === undefined ? 'REMOVE' : 'NOT_EQUAL',
      expected: f.after ?? 'null',
      actual: f.before ?? 'null',
    }));
    if (c.omittedFields) {
      differences.push({
        path: '/…',
        type: 'NOT_EQUAL',
        expected: 'null',
        actual: `"${c.omittedFields} more changed fields"`,
      });
    }
    return { ...base, status: 'MODIFIED', differences };
  });
  const latest = s.latest;
  const ours = latest?.description.startsWith('infra-agent ') ?? false;
  const attribution: DriftAttribution = !latest
    ? { available: false, reason: 'the release is not installed' }
    : ours
      ? {
          available: false,
          reason: `revision ${latest.revision} was written by infra-agent (${latest.description}); the catalog may have changed since — \`helm upgrade ${s.release} ${env}\` applies it`,
        }
      : {
          available: true,
          events: [
            {
              at: latest.updated,
              who: 'not infra-agent',
              action: `helm revision ${latest.revision} (${latest.status}, ${latest.chart}): "${latest.description}"`,
            },
          ],
        };
  return finish({
    kind: 'release',
    environment: env,
    subject: s.release,
    namespace: s.namespace,
    checkedAt: s.checkedAt,
    resources,
    ...(latest
      ? {}
      : {
          reason: `${s.release} is not installed in ${s.namespace}; install it with \`helm install ${s.release} ${env}\``,
        }),
    objectsChecked: latest ? s.unchanged + s.changes.length : 0,
    expectedFrom: `the catalog's chart and values (releases.${s.release}) vs revision ${latest?.revision ?? '-'}`,
    attribution,
  });
}
