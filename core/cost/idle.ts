import type { EnvironmentName } from '../environments';

/** What `idle {env}` looks for (docs/cost.md, "Idle resources"). */
export type IdleKind =
  | 'volume'
  | 'elastic-ip'
  | 'stopped-instance'
  | 'snapshot'
  | 'load-balancer'
  | 'nat-gateway'
  | 'deployment'
  | 'service';

/** One idle thing: its id, what it costs a month (estimated from config prices) and why it is called idle. */
export interface IdleResource {
  readonly kind: IdleKind;
  /** The AWS id (vol-…, eipalloc-…, i-…, snap-…, nat-…, the load balancer's name) or `namespace/deployment`. */
  readonly id: string;
  /** A Name tag or a short description. */
  readonly name?: string;
  readonly monthlyCost: number;
  /** How the cost was estimated: `100 GiB gp3 × $0.08`. */
  readonly costBasis: string;
  /** What was seen that makes it idle, each a sentence a person can check. */
  readonly evidence: readonly string[];
  /** `reap {id} dev` can remove it (volumes, Elastic IPs, snapshots). */
  readonly reapable: boolean;
  /** Tagged keep-until in the future: listed, never reaped. */
  readonly keepUntil?: string;
}

/** The answer of `idle {env}`: biggest monthly cost first, and what could not be checked. */
export interface IdleReport {
  readonly environment: EnvironmentName;
  readonly checkedAt: string;
  readonly currency: 'USD';
  readonly resources: readonly IdleResource[];
  readonly totalMonthlyCost: number;
  /** Checks that could not run (no cluster configured, an API refused), with the reason. */
  readonly unchecked: readonly string[];
}

/**
 * On-demand list prices (USD, us-east-1, 2026) the estimates use, config `idle.prices` (docs/cost.md). Estimates, not
 * bills: Cost Explorer has the real amounts.
 */
export interface IdlePrices {
  /** Per GiB-month by EBS volume type (gp2, gp3, io1, io2, st1, sc1, standard). */
  readonly ebsGbMonth: Readonly<Record<string, number>>;
  readonly snapshotGbMonth: number;
  /** An Elastic IP not associated with a running instance ($0.005/h). */
  readonly elasticIpMonth: number;
  /** A NAT gateway's hourly charge for a month (data processed not included: idle ones process none). */
  readonly natGatewayMonth: number;
  /** A load balancer's hourly charge for a month (LCUs not included: idle ones use none). */
  readonly loadBalancerMonth: number;
  /** Kubernetes requests: a vCPU and a GiB of memory for a month (node cost spread over what pods request). */
  readonly cpuCoreMonth: number;
  readonly memoryGbMonth: number;
}

/** What counts as idle, config `idle.thresholds`. */
export interface IdleThresholds {
  /** A stopped instance is idle once stopped this long. */
  readonly stoppedInstanceDays: number;
  /** A snapshot older than this is listed. */
  readonly snapshotAgeDays: number;
  /** CloudWatch traffic (RequestCount, NAT bytes) is summed over this many days. */
  readonly trafficDays: number;
}

/** The reaper (DEV only, whatever this says): notice period, how long Keep keeps, and its schedule. */
export interface ReapSettings {
  /** Seconds between the notice in the channel and the deletion; Keep within it cancels. */
  readonly noticeSeconds: number;
  /** Keep tags the resource keep-until now + this. */
  readonly keepSeconds: number;
}

export interface IdleConfig {
  readonly prices: IdlePrices;
  readonly thresholds: IdleThresholds;
  readonly reap: ReapSettings;
}

export const DEFAULT_IDLE_CONFIG: IdleConfig = {
  prices: {
    ebsGbMonth: { gp2: 0.1, gp3: 0.08, io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05 },
    snapshotGbMonth: 0.05,
    elasticIpMonth: 3.6,
    natGatewayMonth: 32.4,
    loadBalancerMonth: 16.2,
    cpuCoreMonth: 24.82,
    memoryGbMonth: 3.33,
  },
  thresholds: { stoppedInstanceDays: 7, snapshotAgeDays: 90, trafficDays: 7 },
  reap: { noticeSeconds: 24 * 3600, keepSeconds: 30 * 86400 },
};

/** Input of `findIdleResources`: everything from config, so a replay sees the same rules. */
export interface FindIdleInput {
  readonly environment: EnvironmentName;
  readonly region: string;
  readonly settings: IdleConfig;
  /** The namespaces of the environment's catalog services and releases (with the cluster's suffix). */
  readonly namespaces: readonly string[];
  /** Deployments kept at 0 on purpose (`namespace/name`): the blue/green colour that is the way back. */
  readonly standby: readonly string[];
  /** Now, from the workflow (ages and keep-until are judged against it). */
  readonly nowIso: string;
}

/** The tag Keep sets: an ISO date until which the reaper leaves the resource alone. */
export const KEEP_UNTIL_TAG = 'infra-agent:keep-until';
/** The tag on a volume's safety snapshot: the volume it was taken from. */
export const REAPED_FROM_TAG = 'infra-agent:reaped-from';

/** The AWS ids `reap` takes: EBS volumes, Elastic IP allocations and snapshots (8 or 17 hex digits). */
export const REAP_RESOURCE_ID = /^(vol|eipalloc|snap)-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** Ids of things `idle` lists but `reap` does not remove (their owner's stack or chart does). */
const OTHER_AWS_ID = /^(i|nat)-([0-9a-f]{8}|[0-9a-f]{17})$/;

export type ReapKind = 'volume' | 'elastic-ip' | 'snapshot';

export function reapKindOf(id: string): ReapKind | undefined {
  const m = REAP_RESOURCE_ID.exec(id);
  if (!m) return undefined;
  return m[1] === 'vol' ? 'volume' : m[1] === 'snap' ? 'snapshot' : 'elastic-ip';
}

/** Why `raw` is not a resource `reap` takes, in words that say what would be; undefined when it is one. */
export function reapResourceProblem(raw: string): string | undefined {
  if (REAP_RESOURCE_ID.test(raw)) return undefined;
  if (OTHER_AWS_ID.test(raw))
    return `'${raw}' is ${raw.startsWith('i-') ? 'an instance' : 'a NAT gateway'}: reap removes EBS volumes (vol-…), Elastic IPs (eipalloc-…) and snapshots (snap-…); remove it through the stack that made it`;
  return `'${raw}' is not a resource id reap takes; use an EBS volume (vol-0123456789abcdef0), an Elastic IP allocation (eipalloc-…) or a snapshot (snap-…) as \`idle dev\` lists them`;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Sorts by monthly cost (largest first), then id, and totals. */
export function buildIdleReport(
  environment: EnvironmentName,
  checkedAt: string,
  resources: readonly IdleResource[],
  unchecked: readonly string[],
): IdleReport {
  const sorted = [...resources].sort((a, b) => b.monthlyCost - a.monthlyCost || a.id.localeCompare(b.id));
  return {
    environment,
    checkedAt,
    currency: 'USD',
    resources: sorted,
    totalMonthlyCost: round2(sorted.reduce((s, r) => s + r.monthlyCost, 0)),
    unchecked,
  };
}

/** An EBS volume's (or its snapshot's) monthly cost: size × the type's price. */
export function volumeCost(prices: IdlePrices, sizeGb: number, type: string): { cost: number; basis: string } {
  const per = prices.ebsGbMonth[type] ?? prices.ebsGbMonth.gp2 ?? 0;
  return { cost: round2(sizeGb * per), basis: `${sizeGb} GiB ${type} × $${per}/GiB-month` };
}

export function snapshotCost(prices: IdlePrices, sizeGb: number): { cost: number; basis: string } {
  return {
    cost: round2(sizeGb * prices.snapshotGbMonth),
    basis: `${sizeGb} GiB (full size, an upper bound) × $${prices.snapshotGbMonth}/GiB-month`,
  };
}

/** Kubernetes requests → a month: CPU in cores, memory in GiB, times replicas. */
export function workloadCost(
  prices: IdlePrices,
  cpuCores: number,
  memoryGb: number,
  replicas: number,
): { cost: number; basis: string } {
  const cost = round2(replicas * (cpuCores * prices.cpuCoreMonth + memoryGb * prices.memoryGbMonth));
  return {
    cost,
    basis: `${replicas} × (${cpuCores} vCPU × $${prices.cpuCoreMonth} + ${memoryGb} GiB × $${prices.memoryGbMonth}) requested`,
  };
}

/** A Kubernetes quantity (`250m`, `1`, `512Mi`, `1Gi`, `1G`) as cores or GiB. */
export function parseQuantity(q: string | undefined, unit: 'cpu' | 'memory'): number {
  if (!q) return 0;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  if (unit === 'cpu') return suffix === 'm' ? n / 1000 : n;
  const factor: Record<string, number> = {
    '': 1 / 2 ** 30,
    Ki: 1 / 2 ** 20,
    Mi: 1 / 2 ** 10,
    Gi: 1,
    Ti: 2 ** 10,
    k: 1e3 / 2 ** 30,
    M: 1e6 / 2 ** 30,
    G: 1e9 / 2 ** 30,
    T: 1e12 / 2 ** 30,
  };
  return n * (factor[suffix] ?? 0);
}

/** True when `keepUntil` (a keep-until tag's value) is a date after `nowMs`. */
export function keptAt(keepUntil: string | undefined, nowMs: number): boolean {
  if (!keepUntil) return false;
  const t = Date.parse(keepUntil);
  return Number.isFinite(t) && t > nowMs;
}

/**
 * The reaper runs in DEV only. This is code, not configuration: every path (typed, proposed by the language front
 * door, a Slack button, the schedule, the workflow and each of its activities) asks this, whatever the config says.
 */
export function reapRefusal(environment: string): string | undefined {
  return environment === 'dev'
    ? undefined
    : `reap is refused in ${environment.toUpperCase()}: the reaper runs in DEV only, whatever the config says; remove ${environment} resources through the stack or chart that owns them (with its approval)`;
}
