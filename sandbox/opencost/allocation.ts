/**
 * OpenCost's allocation arithmetic over the pods a cluster ran, for the sandbox's OpenCost stand-in (server.ts).
 * Pure: pods (with when they ran), a window and prices in, allocation sets out, in the JSON shape of OpenCost's
 * `/allocation/compute` (core/pkg/opencost/allocation_json.go: floats rounded to 5 decimals, NaN and ±Inf as null).
 *
 * What it models: CPU and RAM cost = requests × the minutes a pod ran inside the window × the configured price per
 * core-hour and GiB-hour (OpenCost's on-demand list pricing, here from config); usage from kwok's usage-from-annotation
 * convention (`kwok.x-k8s.io/usage-cpu` / `usage-memory` on the pod, default 1m and 1Mi per container, as kwok's
 * metrics-usage.yaml) for the efficiencies. Not modelled (0): PV, network, load balancer, GPU, shared and external
 * costs, idle allocations.
 */

/** What the server knows of one pod: its place, its containers' requests and usage, and when it ran. */
export interface PodRecord {
  readonly namespace: string;
  readonly pod: string;
  readonly node: string;
  readonly controller?: string;
  readonly controllerKind?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly ContainerRecord[];
  /** When it started running (ms since the epoch). */
  readonly startMs: number;
  /** When it stopped (deleted or terminated); absent while it runs. */
  readonly endMs?: number;
}

export interface ContainerRecord {
  readonly name: string;
  readonly cpuRequestCores: number;
  readonly ramRequestBytes: number;
  readonly cpuUsageCores: number;
  readonly ramUsageBytes: number;
}

export interface Prices {
  /** Per core-hour requested (OpenCost's default custom pricing: 0.031611). */
  readonly cpuCoreHour: number;
  /** Per GiB-hour requested (OpenCost's default custom pricing: 0.004237). */
  readonly ramGiBHour: number;
}

export const AGGREGATES = ['cluster', 'node', 'namespace', 'controllerKind', 'controller', 'pod', 'container'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

const GIB = 1024 ** 3;
const MINUTE_MS = 60_000;

/** One allocation before it is written out: sums that add up across pods. */
interface Acc {
  name: string;
  properties: Record<string, string>;
  startMs: number;
  endMs: number;
  cpuCoreHours: number;
  cpuRequestCoreHours: number;
  cpuUsageCoreHours: number;
  ramByteHours: number;
  ramRequestByteHours: number;
  ramUsageByteHours: number;
}

const PROPERTY_KEYS = ['cluster', 'node', 'namespace', 'controllerKind', 'controller', 'pod', 'container'] as const;

/** OpenCost's key for an allocation under an aggregate; `__unallocated__` where the pod has no such property. */
function keyPart(props: Record<string, string>, aggregate: Aggregate): string {
  if (aggregate === 'controller') {
    return props.controller ? `${props.controllerKind}:${props.controller}` : '__unallocated__';
  }
  if (aggregate === 'container') return `${props.namespace}/${props.pod}/${props.container}`;
  return props[aggregate] || '__unallocated__';
}

/** Several aggregates (`namespace,controller`) join their parts with `/`, as OpenCost's keys do. */
const keyOf = (props: Record<string, string>, aggregate: readonly Aggregate[]): string =>
  aggregate.map((a) => keyPart(props, a)).join('/');

/** `aggregate` as OpenCost accepts it: one property or several, comma-separated. Throws with what is accepted. */
export function parseAggregate(raw: string): Aggregate[] {
  const parts = raw.split(',').map((p) => p.trim());
  const bad = parts.find((p) => !(AGGREGATES as readonly string[]).includes(p));
  if (bad !== undefined)
    throw new RangeError(`Invalid aggregate '${bad}': this sandbox stand-in aggregates by ${AGGREGATES.join(', ')}`);
  return parts as Aggregate[];
}

/** The properties several allocations share (OpenCost keeps only what every member has in common). */
function intersect(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(a)) if (a[k] === b[k]) out[k] = a[k] as string;
  return out;
}

/** OpenCost's response rounding: 5 decimals; NaN and infinities are null. */
export function round5(n: number): number | null {
  return Number.isFinite(n) ? Math.round(n * 100_000) / 100_000 : null;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Allocations of one window (one step), keyed by the aggregate's name. */
export function allocationSet(
  pods: readonly PodRecord[],
  window: { readonly startMs: number; readonly endMs: number },
  aggregate: readonly Aggregate[],
  cluster: string,
  prices: Prices,
): Record<string, Record<string, unknown>> {
  const accs = new Map<string, Acc>();
  for (const p of pods) {
    const startMs = Math.max(p.startMs, window.startMs);
    const endMs = Math.min(p.endMs ?? window.endMs, window.endMs);
    if (endMs <= startMs) continue;
    const hours = (endMs - startMs) / MINUTE_MS / 60;
    for (const c of p.containers) {
      const props: Record<string, string> = {
        cluster,
        node: p.node,
        namespace: p.namespace,
        ...(p.controller ? { controllerKind: p.controllerKind ?? '', controller: p.controller } : {}),
        pod: p.pod,
        container: c.name,
      };
      const name = keyOf(props, aggregate);
      const kept = Object.fromEntries(PROPERTY_KEYS.filter((k) => props[k] !== undefined).map((k) => [k, props[k]!]));
      const acc = accs.get(name);
      const cores = Math.max(c.cpuRequestCores, c.cpuUsageCores);
      const bytes = Math.max(c.ramRequestBytes, c.ramUsageBytes);
      const add = {
        cpuCoreHours: cores * hours,
        cpuRequestCoreHours: c.cpuRequestCores * hours,
        cpuUsageCoreHours: c.cpuUsageCores * hours,
        ramByteHours: bytes * hours,
        ramRequestByteHours: c.ramRequestBytes * hours,
        ramUsageByteHours: c.ramUsageBytes * hours,
      };
      if (!acc) {
        accs.set(name, { name, properties: kept, startMs, endMs, ...add });
        continue;
      }
      acc.properties = intersect(acc.properties, kept);
      acc.startMs = Math.min(acc.startMs, startMs);
      acc.endMs = Math.max(acc.endMs, endMs);
      for (const [k, v] of Object.entries(add)) acc[k as keyof typeof add] += v;
    }
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, a] of [...accs.entries()].sort(([x], [y]) => x.localeCompare(y))) {
    out[name] = allocationJson(a, window, prices);
  }
  return out;
}

/** One allocation in OpenCost's JSON field names and order (the fields this stand-in models; the rest are 0). */
function allocationJson(
  a: Acc,
  window: { readonly startMs: number; readonly endMs: number },
  prices: Prices,
): Record<string, unknown> {
  const minutes = (a.endMs - a.startMs) / MINUTE_MS;
  const hours = minutes / 60;
  const cpuCost = a.cpuCoreHours * prices.cpuCoreHour;
  const ramCost = (a.ramByteHours / GIB) * prices.ramGiBHour;
  const cpuReq = a.cpuRequestCoreHours / hours;
  const cpuUse = a.cpuUsageCoreHours / hours;
  const ramReq = a.ramRequestByteHours / hours;
  const ramUse = a.ramUsageByteHours / hours;
  // OpenCost: usage / request when something was requested; else 1 when used and costed, else 0.
  const efficiency = (use: number, req: number, cost: number): number =>
    req > 0 ? use / req : use > 0 && cost > 0 ? 1 : 0;
  const cpuEfficiency = efficiency(cpuUse, cpuReq, cpuCost);
  const ramEfficiency = efficiency(ramUse, ramReq, ramCost);
  const totalCost = cpuCost + ramCost;
  const totalEfficiency = totalCost > 0 ? (cpuEfficiency * cpuCost + ramEfficiency * ramCost) / totalCost : 0;
  return {
    name: a.name,
    properties: a.properties,
    window: { start: iso(window.startMs), end: iso(window.endMs) },
    start: iso(a.startMs),
    end: iso(a.endMs),
    minutes: round5(minutes),
    cpuCores: round5(a.cpuCoreHours / hours),
    cpuCoreRequestAverage: round5(cpuReq),
    cpuCoreUsageAverage: round5(cpuUse),
    cpuCoreHours: round5(a.cpuCoreHours),
    cpuCost: round5(cpuCost),
    cpuCostAdjustment: 0,
    cpuEfficiency: round5(cpuEfficiency),
    gpuCount: 0,
    gpuHours: 0,
    gpuCost: 0,
    gpuCostAdjustment: 0,
    networkTransferBytes: 0,
    networkReceiveBytes: 0,
    networkCost: 0,
    networkCostAdjustment: 0,
    loadBalancerCost: 0,
    loadBalancerCostAdjustment: 0,
    pvBytes: 0,
    pvByteHours: 0,
    pvCost: 0,
    pvs: null,
    pvCostAdjustment: 0,
    ramBytes: round5(a.ramByteHours / hours),
    ramByteRequestAverage: round5(ramReq),
    ramByteUsageAverage: round5(ramUse),
    ramByteHours: round5(a.ramByteHours),
    ramCost: round5(ramCost),
    ramCostAdjustment: 0,
    ramEfficiency: round5(ramEfficiency),
    externalCost: 0,
    sharedCost: 0,
    totalCost: round5(totalCost),
    totalEfficiency: round5(totalEfficiency),
  };
}

const UNIT_MS: Readonly<Record<string, number>> = { m: MINUTE_MS, h: 60 * MINUTE_MS, d: 24 * 60 * MINUTE_MS };

/** A duration as OpenCost writes it (`30m`, `12h`, `7d`) in ms; undefined when it is not one. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(\d+)([mhd])$/.exec(raw);
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}

/**
 * A `window` as OpenCost accepts it: a duration ending now (`7d`, `24h`, `30m`), `today`, `yesterday`, or a pair of
 * RFC3339 times or unix seconds (`start,end`). Throws with what is accepted.
 */
export function parseWindow(raw: string, nowMs: number): { startMs: number; endMs: number } {
  const dur = parseDuration(raw);
  if (dur !== undefined) return { startMs: nowMs - dur, endMs: nowMs };
  const day = Math.floor(nowMs / UNIT_MS.d!) * UNIT_MS.d!;
  if (raw === 'today') return { startMs: day, endMs: nowMs };
  if (raw === 'yesterday') return { startMs: day - UNIT_MS.d!, endMs: day };
  const parts = raw.split(',');
  if (parts.length === 2) {
    const at = (s: string): number => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));
    const [startMs, endMs] = [at(parts[0]!), at(parts[1]!)];
    if (Number.isFinite(startMs) && Number.isFinite(endMs) && startMs < endMs) return { startMs, endMs };
  }
  throw new RangeError(
    `invalid window '${raw}': use a duration (30m, 24h, 7d), today, yesterday, or start,end as RFC3339 or unix seconds`,
  );
}

/** Query parameters of `/allocation/compute` this stand-in understands. */
export interface AllocationQuery {
  readonly window: string;
  readonly aggregate: readonly Aggregate[];
  /** Duration of one set; default the whole window. */
  readonly step?: string;
  /** One set over the whole window (true), or one per step (false, the default as in OpenCost). */
  readonly accumulate: boolean;
}

/** The `data` of a response: one allocation set per step (or one when accumulated). */
export function computeAllocation(
  pods: readonly PodRecord[],
  q: AllocationQuery,
  nowMs: number,
  cluster: string,
  prices: Prices,
): Record<string, Record<string, unknown>>[] {
  const w = parseWindow(q.window, nowMs);
  if (q.accumulate || !q.step) return [allocationSet(pods, w, q.aggregate, cluster, prices)];
  const step = parseDuration(q.step);
  if (step === undefined) throw new RangeError(`invalid step '${q.step}': use a duration such as 1h or 1d`);
  const sets: Record<string, Record<string, unknown>>[] = [];
  for (let t = w.startMs; t < w.endMs; t += step) {
    sets.push(allocationSet(pods, { startMs: t, endMs: Math.min(t + step, w.endMs) }, q.aggregate, cluster, prices));
  }
  return sets;
}

/** A Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1G`, `1e3`) as a number of units (cores, bytes). */
export function parseQuantity(raw: string | undefined): number {
  if (!raw) return 0;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(raw.trim());
  if (!m) return 0;
  const factor: Readonly<Record<string, number>> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
    Ei: 1024 ** 6,
  };
  return Number(m[1]) * (m[2] ? (factor[m[2]] ?? 1) : 1);
}
