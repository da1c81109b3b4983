import { InvalidInput } from '../errors';
import type { K8sOptions } from './flags';
import { parseK8sFlags } from './flags';
import type { ChartRef, HelmValues, K8sRequest } from './request';
import { MAX_ROLLOUT_TIMEOUT_SECONDS, MAX_TAIL_LINES, RESOURCE_KINDS, ROLLOUT_KINDS } from './request';

/** A request that passed every check, with its flags turned into typed options. */
export interface ValidatedK8sRequest {
  /** The request without `flags`: adapters build argv from this and `options` only. */
  readonly request: K8sRequest;
  readonly options: K8sOptions;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Equality-based selectors only (`app=web,tier!=db`): set-based ones are rarely needed and harder to check. */
const SELECTOR =
  /^[A-Za-z0-9][A-Za-z0-9._/-]*(==?|!=)[A-Za-z0-9._-]*(,[A-Za-z0-9][A-Za-z0-9._/-]*(==?|!=)[A-Za-z0-9._-]*)*$/;
/** `repo/chart` from a configured Helm repository. */
const REPO_CHART = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9._-]*$/;
/** A local chart is written `./path/under/the/repo` so it is never mistaken for `repo/chart`. */
const LOCAL_CHART = /^\.\/([A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*\/?$/;
const CHART_VERSION = /^v?[0-9][0-9A-Za-z.+-]{0,63}$/;
const MAX_VALUES_CHARS = 64 * 1024;

function bad(field: string, value: unknown, what: string): never {
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  throw new InvalidInput(`${field}: ${shown} is not valid: ${what}.`);
}

function name(field: string, v: unknown, max = 253): string {
  if (typeof v !== 'string' || v.length > max || !DNS1123_SUBDOMAIN.test(v)) {
    bad(field, v, `use a Kubernetes name (lowercase letters, digits, '-' and '.', at most ${max} characters)`);
  }
  return v;
}

function label(field: string, v: unknown, max = 63): string {
  if (typeof v !== 'string' || v.length > max || !DNS1123_LABEL.test(v)) {
    bad(field, v, `use lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${max}`);
  }
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    bad(field, v, `use one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function int(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    bad(field, v, `use a whole number from ${min} to ${max}`);
  }
  return v;
}

function labelSelector(v: unknown): string {
  if (typeof v !== 'string' || v.length > 200 || !SELECTOR.test(v)) {
    bad('selector', v, "use label equalities such as 'app=web' or 'app=web,tier!=db'");
  }
  return v;
}

/** Chart references: `./local/path` (no `..`, resolved under the repo by the adapter) or `repo/chart`. */
export function validateChartRef(c: ChartRef): ChartRef {
  const release = name('release', c.release, 53);
  const chart = c.chart;
  const local = typeof chart === 'string' && LOCAL_CHART.test(chart) && !chart.split('/').includes('..');
  if (!local && !(typeof chart === 'string' && REPO_CHART.test(chart))) {
    bad('chart', chart, "use './path/to/chart' inside the repository or 'repo/chart' (no URLs, no absolute paths)");
  }
  if (c.version !== undefined) {
    if (local) bad('version', c.version, 'a version applies to repo/chart references only; remove it');
    if (typeof c.version !== 'string' || !CHART_VERSION.test(c.version)) bad('version', c.version, 'use e.g. 1.2.3');
  }
  const values = c.values === undefined ? undefined : validateValues(c.values);
  return {
    release,
    chart,
    ...(c.version !== undefined ? { version: c.version } : {}),
    ...(values ? { values } : {}),
  };
}

function validateValues(v: unknown): HelmValues {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('values', v, 'use a mapping of chart values');
  const text = JSON.stringify(v);
  if (text.length > MAX_VALUES_CHARS) bad('values', '(too large)', `keep values under ${MAX_VALUES_CHARS} characters`);
  // A JSON round trip drops functions, undefined and class instances: what remains is what helm will read.
  return JSON.parse(text) as HelmValues;
}

/**
 * Checks every field of a request against allow-patterns and parses its flags. Throws InvalidInput naming the
 * field, what was wrong and what to do. `kubeContext` is the environment's own context.
 */
export function validateK8sRequest(request: K8sRequest, kubeContext: string): ValidatedK8sRequest {
  const options = parseK8sFlags(oneOf('kind', request.kind, KINDS), request.flags ?? [], kubeContext);
  const namespace = label('namespace', request.namespace);
  return { request: validateFields(request, namespace), options };
}

const KINDS = [
  'get',
  'describe',
  'events',
  'logs',
  'rollout-status',
  'helm-history',
  'helm-diff',
  'helm-install',
  'helm-upgrade',
  'helm-rollback',
] as const satisfies readonly K8sRequest['kind'][];

function validateFields(r: K8sRequest, namespace: string): K8sRequest {
  switch (r.kind) {
    case 'get': {
      const selector = r.selector === undefined ? undefined : labelSelector(r.selector);
      return {
        kind: 'get',
        namespace,
        resource: oneOf('resource', r.resource, RESOURCE_KINDS),
        ...(r.name !== undefined ? { name: name('name', r.name) } : {}),
        ...(selector !== undefined ? { selector } : {}),
      };
    }
    case 'describe':
      return {
        kind: 'describe',
        namespace,
        resource: oneOf('resource', r.resource, RESOURCE_KINDS),
        name: name('name', r.name),
      };
    case 'events':
      return {
        kind: 'events',
        namespace,
        ...(r.forObject
          ? {
              forObject: {
                resource: oneOf('forObject.resource', r.forObject.resource, RESOURCE_KINDS),
                name: name('forObject.name', r.forObject.name),
              },
            }
          : {}),
      };
    case 'logs':
      return {
        kind: 'logs',
        namespace,
        pod: name('pod', r.pod),
        ...(r.container !== undefined ? { container: label('container', r.container) } : {}),
        ...(r.tailLines !== undefined ? { tailLines: int('tailLines', r.tailLines, 1, MAX_TAIL_LINES) } : {}),
      };
    case 'rollout-status': {
      const resource = oneOf('resource', r.resource, ROLLOUT_KINDS);
      const timeout =
        r.timeoutSeconds !== undefined
          ? { timeoutSeconds: int('timeoutSeconds', r.timeoutSeconds, 0, MAX_ROLLOUT_TIMEOUT_SECONDS) }
          : {};
      // Checked as untrusted input: the type says one of the two, a caller may send both or neither.
      const { name: named, selector } = r as { name?: unknown; selector?: unknown };
      if (named !== undefined && selector !== undefined) {
        bad('selector', selector, 'give a name or a selector, not both');
      }
      if (selector === undefined) {
        return { kind: 'rollout-status', namespace, resource, name: name('name', named), ...timeout };
      }
      if (resource !== 'deployment') {
        bad('resource', resource, `a selector applies to deployments only; name the ${resource} instead`);
      }
      return { kind: 'rollout-status', namespace, resource, selector: labelSelector(selector), ...timeout };
    }
    case 'helm-history':
      return { kind: 'helm-history', namespace, release: name('release', r.release, 53) };
    case 'helm-rollback':
      return {
        kind: 'helm-rollback',
        namespace,
        release: name('release', r.release, 53),
        revision: int('revision', r.revision, 1, 1_000_000),
      };
    case 'helm-diff':
    case 'helm-install':
    case 'helm-upgrade':
      return { kind: r.kind, namespace, ...validateChartRef(r) };
  }
}
