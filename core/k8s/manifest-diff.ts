import type { FieldChange, HelmHook, ResourceDiff } from './results';

/** A parsed Kubernetes object as found in a manifest. */
export interface ManifestObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly annotations?: unknown };
  readonly [key: string]: unknown;
}

/** Fields named per changed resource; the rest are counted (`omittedFields`), so a chat card stays readable. */
export const MAX_FIELDS = 10;
const MAX_VALUE_CHARS = 200;

function keyOf(o: ManifestObject, defaultNamespace: string): string {
  const ns = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : defaultNamespace;
  return `${String(o.kind)}/${ns}/${String(o.metadata?.name)}`;
}

function show(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS)}…` : s;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Leaf-level differences between two values, as dotted paths (`spec.replicas`, `spec.ports[0].port`). */
function fieldChanges(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (isObj(before) && isObj(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      fieldChanges(before[k], after[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    before.forEach((b, i) => fieldChanges(b, after[i], `${path}[${i}]`, out));
    return;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const b = show(before);
  const a = show(after);
  out.push({ path, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
}

/** The events of a chart hook (`helm.sh/hook: pre-install,post-upgrade`); undefined for a release object. */
export function hookEvents(o: ManifestObject): string[] | undefined {
  const annotations = o.metadata?.annotations;
  if (!isObj(annotations)) return undefined;
  const hook = annotations['helm.sh/hook'];
  if (typeof hook !== 'string') return undefined;
  return hook
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
}

/**
 * Splits rendered objects into the release's own objects and its hooks. Hooks are not part of the release (helm
 * runs them around an install or upgrade and `helm get manifest` never lists them), so they are no change to
 * approve; `test` hooks run only on `helm test` and are dropped altogether.
 */
export function splitHooks(
  objects: readonly ManifestObject[],
  defaultNamespace: string,
): { objects: ManifestObject[]; hooks: HelmHook[] } {
  const out: ManifestObject[] = [];
  const hooks: HelmHook[] = [];
  for (const o of objects) {
    const events = hookEvents(o);
    if (!events) out.push(o);
    else if (!events.every((e) => e === 'test' || e === 'test-success' || e === 'test-failure'))
      hooks.push({ resource: keyOf(o, defaultNamespace), events });
  }
  return { objects: out, hooks };
}

/**
 * Compares the objects a release has (`before`) with those a chart renders (`after`), per resource. Hooks are left
 * out of the changes (see splitHooks) and the ones that would run are listed apart. Only names the first
 * MAX_FIELDS fields of a changed resource (a chat message cannot hold more) and counts the rest.
 */
export function diffManifests(
  before: readonly ManifestObject[],
  after: readonly ManifestObject[],
  defaultNamespace: string,
): { changes: ResourceDiff[]; unchanged: number; hooks?: HelmHook[] } {
  const rendered = splitHooks(after, defaultNamespace);
  const old = new Map(splitHooks(before, defaultNamespace).objects.map((o) => [keyOf(o, defaultNamespace), o]));
  const next = new Map(rendered.objects.map((o) => [keyOf(o, defaultNamespace), o]));
  const changes: ResourceDiff[] = [];
  let unchanged = 0;
  for (const [key, o] of next) {
    const prev = old.get(key);
    if (!prev) {
      changes.push({ resource: key, change: 'added', fields: [] });
      continue;
    }
    const fields: FieldChange[] = [];
    fieldChanges(prev, o, '', fields);
    if (fields.length === 0) unchanged++;
    else
      changes.push({
        resource: key,
        change: 'changed',
        fields: fields.slice(0, MAX_FIELDS),
        ...(fields.length > MAX_FIELDS ? { omittedFields: fields.length - MAX_FIELDS } : {}),
      });
  }
  for (const key of old.keys()) if (!next.has(key)) changes.push({ resource: key, change: 'removed', fields: [] });
  return { changes, unchanged, ...(rendered.hooks.length ? { hooks: rendered.hooks } : {}) };
}
