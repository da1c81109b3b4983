import type { Finding, Severity } from './findings';
import { emptyCounts, severityRank, summarise, toSeverity } from './findings';
import { parseImageRef } from './image-ref';

/**
 * Trivy Operator's reports in a cluster (docs/security.md, `vulns {service} {env}`): the operator scans every
 * workload's images and configuration and writes a VulnerabilityReport per container and a ConfigAuditReport per
 * workload (ReplicaSet), in the workload's namespace. Pure: which reports belong to a service's live workloads, which
 * are current (the image the workload runs now) and which are stale, in the findings model of the scans.
 */

/** The operator's API group and version (group `aquasecurity.github.io`, `v1alpha1`). */
export const TRIVY_OPERATOR_GROUP = 'aquasecurity.github.io';
export const TRIVY_OPERATOR_VERSION = 'v1alpha1';

/** The labels the operator puts on each report: the scanned object, and the container for vulnerability reports. */
export const REPORT_LABELS = {
  kind: 'trivy-operator.resource.kind',
  name: 'trivy-operator.resource.name',
  namespace: 'trivy-operator.resource.namespace',
  container: 'trivy-operator.container.name',
} as const;

/** How many findings and failed checks a report shows; counts cover all of them. */
export const REPORT_TOP = 10;

interface ReportMeta {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
}

interface ReportScanner {
  readonly name?: string;
  readonly vendor?: string;
  readonly version?: string;
}

/** A VulnerabilityReport as the operator writes it (the fields read here; the rest is ignored). */
export interface VulnerabilityReportObject {
  readonly metadata?: ReportMeta;
  readonly report?: {
    readonly updateTimestamp?: string;
    readonly scanner?: ReportScanner;
    readonly registry?: { readonly server?: string };
    readonly artifact?: { readonly repository?: string; readonly tag?: string; readonly digest?: string };
    readonly os?: { readonly family?: string; readonly name?: string };
    readonly summary?: Readonly<Record<string, number | undefined>>;
    readonly vulnerabilities?: readonly {
      readonly vulnerabilityID?: string;
      readonly resource?: string;
      readonly installedVersion?: string;
      readonly fixedVersion?: string;
      readonly severity?: string;
      readonly title?: string;
      readonly primaryLink?: string;
      readonly score?: number;
    }[];
  };
}

/** A ConfigAuditReport as the operator writes it. */
export interface ConfigAuditReportObject {
  readonly metadata?: ReportMeta;
  readonly report?: {
    readonly updateTimestamp?: string;
    readonly scanner?: ReportScanner;
    readonly summary?: Readonly<Record<string, number | undefined>>;
    readonly checks?: readonly {
      readonly checkID?: string;
      readonly title?: string;
      readonly severity?: string;
      readonly success?: boolean;
      readonly messages?: readonly string[];
      readonly category?: string;
    }[];
  };
}

/** One of the service's Deployments as it runs now, with its ReplicaSets (newest revision = current). */
export interface LiveWorkload {
  readonly name: string;
  readonly replicas: number;
  readonly containers: readonly { readonly name: string; readonly image: string }[];
  /** Every ReplicaSet the Deployment owns (current and earlier revisions). */
  readonly replicaSets: readonly string[];
  /** The ReplicaSet of the Deployment's current revision, when the controller has made it. */
  readonly currentReplicaSet?: string;
}

/** A vulnerability report as `vulns` shows it: the image, the scanner, the counts and the worst findings. */
export interface VulnReportView {
  /** The report object's name, e.g. `replicaset-payments-api-blue-6d4cf56db6-payments-api`. */
  readonly name: string;
  /** What the operator scanned: `ReplicaSet/payments-api-blue-6d4cf56db6`. */
  readonly resource: string;
  readonly container: string;
  /** The scanned image: `ghcr.io/example/payments-api:1.4.2`, with `@sha256:…` when the report has the digest. */
  readonly image: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `alpine 3.18.4`. */
  readonly os?: string;
  /** `Trivy 0.74.0 (Aqua Security)`. */
  readonly scanner: string;
  readonly updatedAt?: string;
  /** The report's own summary counts (every finding, however many are listed). */
  readonly counts: Readonly<Record<Severity, number>>;
  readonly total: number;
  /** Findings with a fixed version. */
  readonly fixable: number;
  /** The worst REPORT_TOP, worst first. */
  readonly top: readonly Finding[];
}

/** A failed configuration check. */
export interface FailedCheck {
  readonly checkID: string;
  readonly title: string;
  readonly severity: Severity;
  readonly category?: string;
  readonly messages: readonly string[];
}

export interface ConfigAuditView {
  readonly name: string;
  readonly resource: string;
  readonly scanner: string;
  readonly updatedAt?: string;
  /** Failed checks by severity, from the report's summary. */
  readonly counts: Readonly<Record<Severity, number>>;
  /** The worst REPORT_TOP failed checks, worst first. */
  readonly failed: readonly FailedCheck[];
  readonly failedTotal: number;
  readonly passed: number;
  /** Set when the report is about an earlier revision of the workload than the one running. */
  readonly earlierRevision?: boolean;
}

/** One container of a workload: the image it runs, and its current report, or why there is none. */
export interface ContainerVulns {
  readonly container: string;
  readonly image: string;
  readonly report?: VulnReportView;
  /** No report for the image it runs now: `no report yet` or `only a stale report, for <image>`. */
  readonly missing?: string;
}

export interface WorkloadVulns {
  readonly workload: string;
  readonly replicas: number;
  readonly containers: readonly ContainerVulns[];
  readonly configAudit?: ConfigAuditView;
}

/** A report about an image the workload no longer runs (an earlier revision, a changed container). */
export interface StaleReport {
  readonly name: string;
  readonly workload: string;
  readonly container: string;
  readonly reportImage: string;
  /** What the container runs now; absent when the workload no longer has that container. */
  readonly runningImage?: string;
  readonly updatedAt?: string;
  readonly counts: Readonly<Record<Severity, number>>;
}

/** The answer to `vulns {service} {env}`. */
export interface ServiceVulnsReport {
  readonly environment: string;
  readonly service: string;
  readonly namespace: string;
  /** The cluster read (the environment's kube context). */
  readonly cluster: string;
  /** `not-installed`: the cluster does not serve the operator's report kinds (its CRDs are not there). */
  readonly operator: 'installed' | 'not-installed';
  readonly workloads: readonly WorkloadVulns[];
  readonly stale: readonly StaleReport[];
  readonly checkedAt: string;
}

export interface ServiceVulnsInput {
  readonly environment: string;
  readonly service: string;
  readonly namespace: string;
  readonly cluster: string;
  readonly workloads: readonly LiveWorkload[];
  readonly vulnerabilityReports: readonly VulnerabilityReportObject[];
  readonly configAuditReports: readonly ConfigAuditReportObject[];
  readonly checkedAt: string;
}

const SUMMARY_KEYS: Readonly<Record<Severity, string>> = {
  CRITICAL: 'criticalCount',
  HIGH: 'highCount',
  MEDIUM: 'mediumCount',
  LOW: 'lowCount',
  UNKNOWN: 'unknownCount',
};

function countsOf(summary: Readonly<Record<string, number | undefined>> | undefined): Record<Severity, number> {
  const counts = emptyCounts();
  for (const s of Object.keys(counts) as Severity[]) counts[s] = Math.max(0, Number(summary?.[SUMMARY_KEYS[s]] ?? 0));
  return counts;
}

const scannerText = (s: ReportScanner | undefined): string =>
  `${s?.name ?? 'unknown scanner'}${s?.version ? ` ${s.version}` : ''}${s?.vendor ? ` (${s.vendor})` : ''}`;

// Docker Hub's registry as the operator writes it, and as an image ref without a registry means it.
const registryOf = (server: string | undefined): string =>
  !server || server === 'index.docker.io' || server === 'registry-1.docker.io' ? 'docker.io' : server;

/** The workload a report is about (a ReplicaSet of one of the service's Deployments, or the Deployment itself). */
function workloadOf(
  labels: Readonly<Record<string, string>>,
  workloads: readonly LiveWorkload[],
): LiveWorkload | undefined {
  const kind = labels[REPORT_LABELS.kind];
  const name = labels[REPORT_LABELS.name] ?? '';
  if (kind === 'Deployment') return workloads.find((w) => w.name === name);
  if (kind !== 'ReplicaSet') return undefined;
  // A ReplicaSet already deleted (its report not yet collected) is still `<deployment>-<pod-template-hash>`.
  return (
    workloads.find((w) => w.replicaSets.includes(name)) ??
    workloads.find((w) => name.startsWith(`${w.name}-`) && /^[a-z0-9]+$/.test(name.slice(w.name.length + 1)))
  );
}

/** Whether a report's image is the one `running` names: same digest when both have one, else same repository:tag. */
export function sameImage(
  report: { registry: string; repository: string; tag?: string; digest?: string },
  running: string,
): boolean {
  let r;
  try {
    r = parseImageRef(running);
  } catch {
    return false;
  }
  if (r.registry !== report.registry || r.repository !== report.repository) return false;
  if (r.digest && report.digest) return r.digest === report.digest;
  return r.tag !== undefined && r.tag === report.tag;
}

function vulnView(o: VulnerabilityReportObject, container: string): VulnReportView {
  const rep = o.report ?? {};
  const labels = o.metadata?.labels ?? {};
  const registry = registryOf(rep.registry?.server);
  const repository = rep.artifact?.repository ?? '';
  const tag = rep.artifact?.tag || undefined;
  const digest = rep.artifact?.digest || undefined;
  const image = `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const findings: Finding[] = (rep.vulnerabilities ?? []).map((v) => ({
    source: 'trivy',
    kind: 'vuln',
    id: v.vulnerabilityID ?? '?',
    severity: toSeverity(v.severity),
    title: v.title ?? '',
    target: image,
    ...(v.resource ? { pkg: v.resource } : {}),
    ...(v.installedVersion ? { installed: v.installedVersion } : {}),
    ...(v.fixedVersion ? { fixed: v.fixedVersion } : {}),
    ...(v.primaryLink ? { url: v.primaryLink } : {}),
  }));
  const s = summarise(findings, REPORT_TOP);
  const counts = rep.summary ? countsOf(rep.summary) : s.counts;
  const os = [rep.os?.family, rep.os?.name].filter(Boolean).join(' ');
  return {
    name: o.metadata?.name ?? '?',
    resource: `${labels[REPORT_LABELS.kind] ?? '?'}/${labels[REPORT_LABELS.name] ?? '?'}`,
    container,
    image,
    repository: `${registry}/${repository}`,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    ...(os ? { os } : {}),
    scanner: scannerText(rep.scanner),
    ...(rep.updateTimestamp ? { updatedAt: rep.updateTimestamp } : {}),
    counts,
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    fixable: s.fixable,
    top: s.top,
  };
}

function auditView(o: ConfigAuditReportObject, earlierRevision: boolean): ConfigAuditView {
  const rep = o.report ?? {};
  const labels = o.metadata?.labels ?? {};
  const checks = rep.checks ?? [];
  const failed: FailedCheck[] = checks
    .filter((c) => c.success === false)
    .map((c) => ({
      checkID: c.checkID ?? '?',
      title: c.title ?? '',
      severity: toSeverity(c.severity),
      ...(c.category ? { category: c.category } : {}),
      messages: c.messages ?? [],
    }))
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.checkID.localeCompare(b.checkID));
  return {
    name: o.metadata?.name ?? '?',
    resource: `${labels[REPORT_LABELS.kind] ?? '?'}/${labels[REPORT_LABELS.name] ?? '?'}`,
    scanner: scannerText(rep.scanner),
    ...(rep.updateTimestamp ? { updatedAt: rep.updateTimestamp } : {}),
    counts: rep.summary ? countsOf(rep.summary) : countFailed(failed),
    failed: failed.slice(0, REPORT_TOP),
    failedTotal: failed.length,
    passed: checks.filter((c) => c.success === true).length,
    ...(earlierRevision ? { earlierRevision: true } : {}),
  };
}

function countFailed(failed: readonly FailedCheck[]): Record<Severity, number> {
  const counts = emptyCounts();
  for (const f of failed) counts[f.severity] += 1;
  return counts;
}

const newest = <T extends { updatedAt?: string }>(a: T, b: T): T => ((b.updatedAt ?? '') > (a.updatedAt ?? '') ? b : a);

/**
 * The service's workloads with, per container, the report for the image it runs now (the newest when several
 * ReplicaSets ran it), the reports about images no longer run (stale), and per workload the config audit of its
 * current revision (or the newest of an earlier one, said so). Reports about other workloads are left out.
 */
export function serviceVulns(input: ServiceVulnsInput): ServiceVulnsReport {
  const current = new Map<string, VulnReportView>();
  const stale: StaleReport[] = [];
  for (const o of input.vulnerabilityReports) {
    const labels = o.metadata?.labels ?? {};
    const w = workloadOf(labels, input.workloads);
    if (!w) continue;
    const container = labels[REPORT_LABELS.container] ?? '';
    const view = vulnView(o, container);
    const running = w.containers.find((c) => c.name === container)?.image;
    const ref = {
      registry: view.repository.split('/')[0] ?? '',
      repository: view.repository.split('/').slice(1).join('/'),
      ...(view.tag ? { tag: view.tag } : {}),
      ...(view.digest ? { digest: view.digest } : {}),
    };
    if (running !== undefined && sameImage(ref, running)) {
      const key = `${w.name}/${container}`;
      const had = current.get(key);
      current.set(key, had ? newest(had, view) : view);
    } else {
      stale.push({
        name: view.name,
        workload: w.name,
        container,
        reportImage: view.image,
        ...(running !== undefined ? { runningImage: running } : {}),
        ...(view.updatedAt ? { updatedAt: view.updatedAt } : {}),
        counts: view.counts,
      });
    }
  }
  const workloads = input.workloads.map((w): WorkloadVulns => {
    const containers = w.containers.map((c): ContainerVulns => {
      const report = current.get(`${w.name}/${c.name}`);
      if (report) return { container: c.name, image: c.image, report };
      const old = stale.find((s) => s.workload === w.name && s.container === c.name);
      return {
        container: c.name,
        image: c.image,
        missing: old ? `no report yet for this image; only a stale one, for ${old.reportImage}` : 'no report yet',
      };
    });
    const audits = input.configAuditReports.filter((o) => workloadOf(o.metadata?.labels ?? {}, [w]) === w);
    const ofCurrent = audits.find(
      (o) => w.currentReplicaSet !== undefined && o.metadata?.labels?.[REPORT_LABELS.name] === w.currentReplicaSet,
    );
    const audit = ofCurrent
      ? auditView(ofCurrent, false)
      : audits
          .map((o) => auditView(o, true))
          .reduce<ConfigAuditView | undefined>((a, b) => (a ? newest(a, b) : b), undefined);
    return { workload: w.name, replicas: w.replicas, containers, ...(audit ? { configAudit: audit } : {}) };
  });
  return {
    environment: input.environment,
    service: input.service,
    namespace: input.namespace,
    cluster: input.cluster,
    operator: 'installed',
    workloads,
    stale: stale.sort(
      (a, b) => a.workload.localeCompare(b.workload) || (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''),
    ),
    checkedAt: input.checkedAt,
  };
}
