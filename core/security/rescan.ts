import type { Finding as AlertFinding } from '../alerts/alert';
import { alertKey } from '../alerts/alert';
import { stableHash } from '../drift/report';
import type { EnvironmentName } from '../environments';
import type { Finding } from './findings';
import { findingLine } from './findings';

/**
 * Scheduled rescans (docs/security.md): the images running in an environment scanned again against the current
 * vulnerability DB. Pure: what a rescan of one service's running images means as an on-call alert finding. The
 * scans are activities/security/rescan.ts, the alert is the shared one (core/alerts, activities/alerts).
 */

/** One running colour of a rollout service (a live Deployment with replicas), and its image. */
export interface RunningImage {
  readonly colour: string;
  readonly image: string;
}

/** One image rescanned: its CRITICAL findings not waived, the waived ones, or why it could not be scanned. */
export interface RescannedImage {
  readonly image: string;
  readonly digest?: string;
  /** CRITICAL vulnerabilities no active waiver of this environment and digest excuses. */
  readonly critical: readonly Finding[];
  /** `CVE-… waived by bob until … (wv-…): why` for CRITICAL findings a waiver excused. */
  readonly waived: readonly string[];
  /** CRITICAL findings beyond those kept in the scan result (a report of more than 200 findings). */
  readonly criticalNotListed: number;
  /** The scan's counts, e.g. `1 CRITICAL, 2 HIGH` (all severities, waived or not). */
  readonly counts?: string;
  readonly dbUpdatedAt?: string;
  /** Set when the image could not be scanned (no archive, DB missing, trivy failing): nothing is resolved then. */
  readonly error?: string;
  readonly scannedAt: string;
}

/** One service's rescan: the running colours' images and each image's result. */
export interface ServiceRescan {
  readonly service: string;
  readonly namespace: string;
  readonly running: readonly RunningImage[];
  readonly images: readonly RescannedImage[];
  /** Set when the service's Deployments could not be read: its alert is left as it is. */
  readonly error?: string;
}

/**
 * What a rescan of an environment did (the schedule's run, or `rescan {env}` typed: the same workflow): per rollout
 * service its running images' scans, and what its on-call alert did (post, update, resolve, or none and why).
 */
export interface EnvironmentRescan {
  readonly environment: EnvironmentName;
  readonly services: readonly ServiceRescan[];
  readonly alerts: readonly {
    readonly service: string;
    readonly action: 'post' | 'update' | 'resolve' | 'none';
    readonly why?: string;
    readonly ts?: string;
  }[];
}

/** The findings that alert: `<digest> <CVE>` pairs (a rebuilt image with the same CVE is a new finding). */
export function alertingPairs(s: ServiceRescan): string[] {
  return [...new Set(s.images.flatMap((i) => i.critical.map((f) => `${i.digest ?? i.image} ${f.id}`)))].sort();
}

/**
 * A service's rescan as an alert finding, keyed `rescan/<env>/<service>`: the fingerprint is the set of alerting
 * (digest, CVE) pairs, so the same CRITICAL on the next run alerts no more, a new one updates the alert (saying
 * what is new), and none left (fixed, waived, or the image no longer running) resolves it. Undefined when the
 * service or one of its images could not be checked: the alert stays as it is until a run that could.
 */
export function rescanFinding(env: EnvironmentName, s: ServiceRescan, checkedAt: string): AlertFinding | undefined {
  if (s.error || s.images.some((i) => i.error)) return undefined;
  const pairs = alertingPairs(s);
  const criticals = s.images.reduce((n, i) => n + i.critical.length + i.criticalNotListed, 0);
  const headline =
    pairs.length === 0
      ? `[${env}] ${s.service} in ${env}: no unwaived CRITICAL in the running images`
      : `[${env}] ${s.service} in ${env}: ${criticals} CRITICAL in running images (${[...new Set(s.images.flatMap((i) => i.critical.map((f) => f.id)))].join(', ')})`;
  const lines: string[] = [];
  for (const i of s.images) {
    const colours = s.running.filter((r) => r.image === i.image).map((r) => r.colour);
    lines.push(`${i.image} (${colours.join(', ') || 'running'}) ${i.digest ?? ''}: ${i.counts ?? 'no findings'}`);
    for (const f of i.critical) lines.push(`  ${findingLine(f)}${f.url ? ` ${f.url}` : ''}`);
    if (i.criticalNotListed > 0) lines.push(`  … ${i.criticalNotListed} more CRITICAL (see scan image ${i.image})`);
    for (const w of i.waived) lines.push(`  waived: ${w}`);
  }
  if (s.running.length === 0) lines.push(`no running Deployment of ${s.service} in ${s.namespace}`);
  const db = s.images.map((i) => i.dbUpdatedAt).find((d) => d !== undefined);
  if (db) lines.push(`vulnerability DB updated ${db}`);
  return {
    key: alertKey('rescan', env, s.service),
    check: 'rescan',
    environment: env,
    subject: s.service,
    ...(pairs.length ? { fingerprint: stableHash(pairs.join('\n')) } : {}),
    headline,
    lines,
    checkedAt,
  };
}
