import type { ValidationFinding } from '../validation';

/**
 * One findings model for every scanner: Trivy's vulnerabilities, misconfigurations and secrets, and (through
 * fromValidationFinding) cfn-lint / cfn-guard template findings. JSON-safe: crosses activity boundaries.
 */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNKNOWN';

/** Worst first: the order summaries, top lists and gates use. */
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

const RANK: Readonly<Record<Severity, number>> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3, UNKNOWN: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/** A scanner's severity word as one of ours; anything unknown is UNKNOWN (never dropped). */
export function toSeverity(raw: unknown): Severity {
  const s = typeof raw === 'string' ? raw.toUpperCase() : '';
  return s in RANK ? (s as Severity) : 'UNKNOWN';
}

export type FindingKind = 'vuln' | 'misconfig' | 'secret';
export type FindingSource = 'trivy' | 'cfn-lint' | 'cfn-guard' | 'tags' | 'policy' | 'parse';

export interface Finding {
  readonly source: FindingSource;
  readonly kind: FindingKind;
  /** CVE / GHSA id, a misconfiguration check id (AVD-KSV-0001, KSV001) or a secret rule id. */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** Where: the image's OS or a lock/package file inside it, or the scanned file. */
  readonly target: string;
  /** Vulnerabilities: the package, its installed version and the first fixed version(s), when there is one. */
  readonly pkg?: string;
  readonly installed?: string;
  readonly fixed?: string;
  /** Misconfigurations: the resource concerned (a Kubernetes object, a CloudFormation logical id). */
  readonly resource?: string;
  readonly url?: string;
}

export interface ScanDb {
  /** Where the vulnerability DB came from: `offline` (the bootstrap's), `online` or `mirror`. */
  readonly source: string;
  readonly schemaVersion?: number;
  readonly updatedAt?: string;
}

export interface ScanResult {
  /** What was scanned, as asked: an image ref or a path. */
  readonly target: string;
  readonly artifact: 'image' | 'config';
  /** Images: the image id (config digest) Trivy read; the thing waivers will be bound to. */
  readonly digest?: string;
  /** Images: the OS Trivy detected, e.g. `alpine 3.18.4`. */
  readonly os?: string;
  /** Worst first. At most MAX_FINDINGS_KEPT: `counts`/`total` always cover every finding. */
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<Severity, number>>;
  readonly total: number;
  /** True when `findings` holds fewer than `total` (the rest are in the full report). */
  readonly truncated: boolean;
  readonly db?: ScanDb;
  readonly scanner: { readonly name: 'trivy'; readonly version?: string };
  readonly scannedAt: string;
  /**
   * Every finding beyond `findings` (worst first), for the full report a command attaches: a gzipped JSON array of
   * Finding, base64, so a 10k-finding report crosses Temporal in a few hundred KB. Set only for the scan commands,
   * and only when it fits MAX_REST_BYTES; the gateway unpacks it into `findings` (worker/gateway/scan-rest.ts).
   */
  readonly rest?: { readonly gzipBase64: string; readonly count: number };
}

/** The largest packed `rest` a scan result carries (base64 bytes): beyond it the full report lists the worst 200. */
export const MAX_REST_BYTES = 1_000_000;

/** The most findings a ScanResult carries (a Temporal payload stays well under its 2 MB limit). */
export const MAX_FINDINGS_KEPT = 200;

export interface ScanSummary {
  readonly counts: Readonly<Record<Severity, number>>;
  readonly total: number;
  /** Findings with a fixed version. */
  readonly fixable: number;
  /** The worst `topN`, worst first; among equals, fixable first, then by id. */
  readonly top: readonly Finding[];
}

export function emptyCounts(): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}

/** Worst first; among equal severity a fixable finding first, then by id, then package (stable for tests). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    RANK[a.severity] - RANK[b.severity] ||
    Number(!a.fixed) - Number(!b.fixed) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
    (a.pkg ?? '').localeCompare(b.pkg ?? '')
  );
}

/**
 * Counts by severity and the worst `topN`, in one pass over the findings: the top list is kept sorted and bounded,
 * so 10k findings cost 10k comparisons against a list of `topN`, not a sort of all of them.
 */
export function summarise(findings: readonly Finding[], topN = 5): ScanSummary {
  const counts = emptyCounts();
  let fixable = 0;
  const top: Finding[] = [];
  for (const f of findings) {
    counts[f.severity] += 1;
    if (f.fixed) fixable += 1;
    if (topN <= 0) continue;
    if (top.length === topN && compareFindings(f, top[topN - 1]!) >= 0) continue;
    let i = top.length;
    while (i > 0 && compareFindings(f, top[i - 1]!) < 0) i--;
    top.splice(i, 0, f);
    if (top.length > topN) top.pop();
  }
  return { counts, total: findings.length, fixable, top };
}

/** `2 CRITICAL, 1 HIGH, 3 MEDIUM` (zero counts left out), or `no findings`. */
export function countsText(counts: Readonly<Record<Severity, number>>): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length > 0 ? parts.join(', ') : 'no findings';
}

/** One finding on one line: `CVE-2019-10744 CRITICAL lodash 4.17.11 → 4.17.12: Prototype Pollution in lodash`. */
export function findingLine(f: Finding): string {
  const where = f.pkg
    ? `${f.pkg} ${f.installed ?? '?'} → ${f.fixed ?? 'no fix yet'}`
    : f.resource
      ? `${f.target} ${f.resource}`
      : f.target;
  return `${f.id} ${f.severity} ${where}: ${f.title}`;
}

/** A template finding (cfn-lint, cfn-guard, tags) in the same model: error → HIGH, warning → MEDIUM, info → LOW. */
export function fromValidationFinding(v: ValidationFinding): Finding {
  const severity: Severity = v.severity === 'error' ? 'HIGH' : v.severity === 'warning' ? 'MEDIUM' : 'LOW';
  return {
    source: v.source,
    kind: 'misconfig',
    id: v.control ? `${v.rule} (${v.control})` : v.rule,
    severity,
    title: v.message,
    target: v.file,
    ...(v.resource ? { resource: v.resource } : {}),
  };
}
