import type { EnvironmentName } from '../environments';
import type { CostPeriod } from './period';

/** What an allocation report is grouped by: namespaces, or workloads (OpenCost's `controller`: kind:name). */
export type AllocationGrouping = 'namespace' | 'workload';

/**
 * OpenCost's `aggregate` for each grouping. Workloads are `namespace,controller` (keys `shop-dev/deployment:web`):
 * by controller alone, same-named Deployments of different namespaces (one cluster serving several environments)
 * would be one allocation.
 */
export const ALLOCATION_AGGREGATE: Readonly<Record<AllocationGrouping, string>> = {
  namespace: 'namespace',
  workload: 'namespace,controller',
};

/** What `cost by namespace|workload {env} {period}` reads; the gateway fixes the window, so it is in history. */
export interface GetAllocationInput {
  readonly environment: EnvironmentName;
  readonly period: CostPeriod;
  readonly grouping: AllocationGrouping;
  /** The OpenCost/Kubecost API of the environment's cluster (config `cost.allocation.<env>`). */
  readonly url: string;
  /** RFC3339, to the second: [start, end). */
  readonly window: { readonly start: string; readonly end: string };
  /** Only namespaces ending so count (the environment's `cluster.namespaceSuffix`: one cluster may serve several). */
  readonly namespaceSuffix?: string;
}

/** One namespace's or workload's allocation over the window (amounts unrounded; renderers round). */
export interface AllocationRow {
  readonly name: string;
  readonly namespace?: string;
  readonly cpuCost: number;
  readonly ramCost: number;
  /** PV, network and load balancer cost together. */
  readonly otherCost: number;
  readonly totalCost: number;
  readonly cpuCoreRequestAverage: number;
  readonly ramByteRequestAverage: number;
  /** usage / request, as OpenCost reports them; null where it reports none. */
  readonly cpuEfficiency: number | null;
  readonly ramEfficiency: number | null;
  readonly totalEfficiency: number | null;
  readonly minutes: number;
}

/** An allocation report as the front ends render it. */
export interface AllocationReport {
  readonly environment: EnvironmentName;
  readonly period: CostPeriod;
  readonly grouping: AllocationGrouping;
  readonly window: { readonly start: string; readonly end: string };
  readonly url: string;
  readonly currency: 'USD';
  /** Largest total first. */
  readonly rows: readonly AllocationRow[];
  readonly cpuCost: number;
  readonly ramCost: number;
  readonly otherCost: number;
  readonly totalCost: number;
  /** The rows' total efficiency weighted by their cost; null when nothing cost anything. */
  readonly efficiency: number | null;
}

const DAY_MS = 86_400_000;
const SECOND_MS = 1000;
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The window of a period, ending at `now` to the second (allocation counts the running day: pods started an hour
 * ago have cost something). 7d/30d/90d: that many days back; mtd: from the 1st of this month (UTC).
 */
export function allocationWindow(period: CostPeriod, now: Date): { start: string; end: string } {
  const end = Math.floor(now.getTime() / SECOND_MS) * SECOND_MS;
  const start =
    period === 'mtd'
      ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)
      : end - Number(period.slice(0, -1)) * DAY_MS;
  return { start: rfc3339(start), end: rfc3339(end) };
}

type Json = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const eff = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Builds the report from an accumulated `/allocation/compute` answer (`data[0]`: name → allocation). OpenCost's
 * `__idle__` and `__unallocated__` rows are kept under their names; namespaces outside the environment are dropped.
 */
export function buildAllocationReport(
  input: GetAllocationInput,
  set: Readonly<Record<string, Json>>,
): AllocationReport {
  const rows: AllocationRow[] = [];
  for (const [key, a] of Object.entries(set)) {
    const props = (a.properties ?? {}) as Record<string, unknown>;
    const namespace = typeof props.namespace === 'string' ? props.namespace : undefined;
    if (input.namespaceSuffix && !(namespace ?? key).endsWith(input.namespaceSuffix)) continue;
    const otherCost = num(a.pvCost) + num(a.networkCost) + num(a.loadBalancerCost);
    rows.push({
      name: typeof a.name === 'string' ? a.name : key,
      ...(namespace ? { namespace } : {}),
      cpuCost: num(a.cpuCost),
      ramCost: num(a.ramCost),
      otherCost,
      totalCost: num(a.totalCost),
      cpuCoreRequestAverage: num(a.cpuCoreRequestAverage),
      ramByteRequestAverage: num(a.ramByteRequestAverage),
      cpuEfficiency: eff(a.cpuEfficiency),
      ramEfficiency: eff(a.ramEfficiency),
      totalEfficiency: eff(a.totalEfficiency),
      minutes: num(a.minutes),
    });
  }
  rows.sort((x, y) => y.totalCost - x.totalCost || x.name.localeCompare(y.name));
  const sum = (f: (r: AllocationRow) => number): number => rows.reduce((s, r) => s + f(r), 0);
  const totalCost = sum((r) => r.totalCost);
  const weighted = rows.filter((r) => r.totalEfficiency !== null);
  const weight = weighted.reduce((s, r) => s + r.totalCost, 0);
  return {
    environment: input.environment,
    period: input.period,
    grouping: input.grouping,
    window: input.window,
    url: input.url,
    currency: 'USD',
    rows,
    cpuCost: sum((r) => r.cpuCost),
    ramCost: sum((r) => r.ramCost),
    otherCost: sum((r) => r.otherCost),
    totalCost,
    efficiency: weight > 0 ? weighted.reduce((s, r) => s + (r.totalEfficiency ?? 0) * r.totalCost, 0) / weight : null,
  };
}
