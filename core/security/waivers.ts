import type { EnvironmentName } from '../environments';
import { formatDuration, parseDurationSeconds } from '../duration';
import type { Finding, ScanResult } from './findings';
import type { Excuse } from './gate';

/**
 * A waiver (issue 15 item 4): an approver of an environment accepts one finding (a CVE / GHSA id or a
 * misconfiguration check id) on one image DIGEST in that environment, with a reason, until an expiry. It never
 * applies to another digest (a rebuilt image under the same tag is judged afresh), never after it expires or is
 * revoked, and never to a rollout the same person requested (someone else decides to accept a person's risk).
 */
export interface Waiver {
  /** `wv-` and 10 hex characters, derived from the request that granted it (a retried grant is the same waiver). */
  readonly id: string;
  readonly environment: EnvironmentName;
  /** The finding id as trivy reports it: CVE-2019-10744, GHSA-jf85-cpcp-j695, AVD-KSV-0017, KSV017. */
  readonly findingId: string;
  /** The ref the approver named (tag or digest) — for people; the waiver is bound to `digest`. */
  readonly image: string;
  /** The image id trivy reported for `image` when the waiver was granted: what the gate compares. */
  readonly digest: string;
  readonly reason: string;
  readonly grantedBy: string;
  readonly grantedAt: string;
  readonly expiresAt: string;
  /** The finding as it was seen when waived (severity, package, installed → fixed), for the list and the audit. */
  readonly finding?: string;
  readonly revokedBy?: string;
  readonly revokedAt?: string;
}

export type WaiverStatus = 'active' | 'expired' | 'revoked';

/** A waiver as listed: its status at the time of reading. */
export interface WaiverView extends Waiver {
  readonly status: WaiverStatus;
}

/**
 * Where waivers are kept. Today a JSON-lines file beside the audit log (adapters/waivers/jsonl-waiver-store.ts);
 * a PostgreSQL store (issue 20) implements the same four calls.
 */
export interface WaiverStore {
  /** Stores `w` unless a waiver with its id exists; returns what is stored under the id (idempotent). */
  add(w: Waiver): Promise<Waiver>;
  /** Marks a waiver revoked (a second revoke keeps the first); undefined when there is no such id. */
  revoke(id: string, by: string, at: string): Promise<Waiver | undefined>;
  get(id: string): Promise<Waiver | undefined>;
  /** Every waiver (of one environment), oldest first. */
  list(environment?: EnvironmentName): Promise<Waiver[]>;
}

/** The longest a waiver may last unless config `security.waivers.maxDays` says otherwise. */
export const DEFAULT_MAX_WAIVER_DAYS = 90;

/** Finding ids a waiver may name: CVE, GHSA, trivy's misconfiguration checks (AVD-KSV-0017, KSV017, AVD-AWS-0086). */
export const FINDING_ID = /^(?:CVE-\d{4}-\d{4,7}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|(?:AVD-)?[A-Z]{2,5}-?\d{3,5})$/;
export const WAIVER_ID = /^wv-[0-9a-f]{10}$/;

export function findingIdProblem(raw: string): string | undefined {
  return FINDING_ID.test(raw)
    ? undefined
    : `'${raw.slice(0, 60)}' is not a finding id; write a CVE (CVE-2019-10744), a GHSA id (GHSA-jf85-cpcp-j695) or a check id (AVD-KSV-0017), as scan shows it`;
}

/** A waiver's length in seconds, or what is wrong with it: `30d`, `12h`, at most `maxDays`. */
export function waiverDuration(raw: string, maxDays = DEFAULT_MAX_WAIVER_DAYS): number | string {
  const seconds = parseDurationSeconds(raw);
  if (seconds === undefined || !/[smhd]\s*$/.test(raw))
    return `'${raw.slice(0, 30)}' is not a duration; write a number and a unit, e.g. 30d, 12h or 90m`;
  if (seconds < 60) return `'${raw}' is shorter than a minute; a waiver lasts from 1m to ${maxDays}d`;
  if (seconds > maxDays * 86400)
    return `'${raw}' is longer than the ${maxDays} days a waiver may last (security.waivers.maxDays); waive for ${maxDays}d or less and renew it`;
  return seconds;
}

export function waiverStatus(w: Waiver, now: Date): WaiverStatus {
  if (w.revokedAt) return 'revoked';
  return Date.parse(w.expiresAt) > now.getTime() ? 'active' : 'expired';
}

export function viewOf(w: Waiver, now: Date): WaiverView {
  return { ...w, status: waiverStatus(w, now) };
}

/** `wv-1a2b3c4d5e CVE-2019-10744 on ghcr.io/example/payments-api:1.4.2 (sha256:abcd…) by bob until 2026-…: reason`. */
export function waiverLine(w: Waiver | WaiverView): string {
  const status = 'status' in w && w.status !== 'active' ? ` [${w.status.toUpperCase()}]` : '';
  return (
    `${w.id} ${w.findingId} on ${w.image} (${w.digest.slice(0, 19)}) by ${w.grantedBy} until ${w.expiresAt}${status}` +
    `: ${w.reason}`
  );
}

/** What the gate did with the waivers of an environment for one scan. */
export interface WaiverDecision {
  readonly excuse: Excuse;
  /** Waivers that named a finding of this digest but were not applied, and why (expired, revoked, own change). */
  readonly notApplied: () => string[];
}

/**
 * The gate's excuse from an environment's waivers for one rollout: a finding is excused by an active waiver for
 * its id and the scan's exact digest, granted by someone other than the rollout's requester.
 */
export function waiverExcuse(waivers: readonly Waiver[], now: Date, requester: string | undefined): WaiverDecision {
  const notApplied = new Set<string>();
  const excuse: Excuse = (f: Finding, scan: ScanResult) => {
    if (!scan.digest) return undefined;
    let why: string | undefined;
    for (const w of waivers) {
      if (w.findingId !== f.id || w.digest !== scan.digest) continue;
      const status = waiverStatus(w, now);
      if (status !== 'active') {
        notApplied.add(
          `${w.findingId}: waiver ${w.id} by ${w.grantedBy} not applied: ${status} (${w.revokedAt ?? w.expiresAt})`,
        );
        continue;
      }
      if (requester !== undefined && w.grantedBy === requester) {
        notApplied.add(
          `${w.findingId}: waiver ${w.id} not applied: ${w.grantedBy} requested this rollout, and nobody may waive their own change's findings`,
        );
        continue;
      }
      why ??= `waived by ${w.grantedBy} until ${w.expiresAt} (${w.id}): ${w.reason}`;
    }
    return why;
  };
  return { excuse, notApplied: () => [...notApplied] };
}

/** `30d` for people: the waiver's length rounded. */
export function waiverLength(seconds: number): string {
  return seconds % 86400 === 0 ? `${seconds / 86400}d` : formatDuration(seconds);
}
