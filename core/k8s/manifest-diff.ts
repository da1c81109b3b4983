import type { FieldChange, ResourceDiff } from './results';

/** A parsed Kubernetes object as found in a manifest. */
export interface ManifestObject {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
  readonly [key: string]: unknown;
}

const MAX_FIELDS = 20;
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

/**
 * Compares the objects a release has (`before`) with those a chart renders (`after`), per resource. Only names the
 * first fields of a changed resource: a chat message cannot hold more, and the count of resources says the rest.
 */
export function diffManifests(
  before: readonly ManifestObject[],
  after: readonly ManifestObject[],
  defaultNamespace: string,
): { changes: ResourceDiff[]; unchanged: number } {
  const old = new Map(before.map((o) => [keyOf(o, defaultNamespace), o]));
  const next = new Map(after.map((o) => [keyOf(o, defaultNamespace), o]));
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
    else changes.push({ resource: key, change: 'changed', fields: fields.slice(0, MAX_FIELDS) });
  }
  for (const key of old.keys()) if (!next.has(key)) changes.push({ resource: key, change: 'removed', fields: [] });
  return { changes, unchanged };
}
