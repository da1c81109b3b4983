import type { EnvironmentName } from '../environments';

/**
 * On-call alerts shared by every scheduled check (drift today; security rescans and cost anomalies reuse it): a
 * finding is keyed by what it is about (`drift/dev/vpc`), identified by a fingerprint (the drift id), and raised
 * once. Pure: the decision what to do with a new finding is made here, the Slack calls and the store live in
 * activities/alerts.
 */

/** How long a snooze lasts: an hour, a day, or until the finding changes (a new fingerprint). */
export type SnoozeFor = '1h' | '1d' | 'until-changed';
export const SNOOZES: readonly SnoozeFor[] = ['1h', '1d', 'until-changed'];
const SNOOZE_MS: Readonly<Record<Exclude<SnoozeFor, 'until-changed'>, number>> = {
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/**
 * The scheduled checks there are, each a Temporal Schedule per environment (worker/schedules.ts) raising alerts
 * keyed by its name: drift (docs/drift.md), security rescans (docs/security.md), and cost (docs/cost.md): the weekly
 * report (`cost-report`, no alerts) and the daily anomaly and budget check (`cost-check`, alerts keyed `cost/…`);
 * and the DEV-only scheduled reap of idle resources (`reap`: notices with Keep, no alerts).
 */
export const SCHEDULED_CHECKS = ['drift', 'rescan', 'cost-report', 'cost-check', 'reap'] as const;
export type ScheduledCheck = (typeof SCHEDULED_CHECKS)[number];

/**
 * The alert id people type (`acknowledge alert drift/dev/vpc because …`): check/environment/subject. `verify` is
 * no scheduled check: it alerts when the verification after a deploy (or a `verify …` run by hand) fails.
 */
export const ALERT_KEY = /^(drift|rescan|cost|verify)\/(dev|tst|prd)\/([a-z0-9][a-z0-9-]{0,127})$/;
export const alertKey = (check: string, environment: EnvironmentName, subject: string): string =>
  `${check}/${environment}/${subject}`;

/**
 * The command that puts an alert's subject back, or undefined when there is nothing to revert (rescan, cost). A
 * stack's drift: `remediate <stack> <env>` (a drift-reverting change set). A release's (`release-<name>`, see
 * core/drift/kubernetes.ts): `helm upgrade <name> <env>`, which applies the catalog's chart and values — what the
 * drift check compares with. A service's (`service-<name>`): `remediate service <name> <env>`, which applies what
 * the last rollout recorded on each colour. Each is an ordinary approved write.
 */
export function remediateCommandOf(key: string): string | undefined {
  const m = ALERT_KEY.exec(key);
  if (m?.[1] !== 'drift') return undefined;
  const [, , env, subject = ''] = m;
  const k8s = /^(service|release)-(.+)$/.exec(subject);
  if (k8s?.[1] === 'release') return `helm upgrade ${k8s[2]} ${env}`;
  if (k8s?.[1] === 'service') return `remediate service ${k8s[2]} ${env}`;
  return `remediate ${subject} ${env}`;
}

/** What one check found about one subject. `fingerprint` absent: the subject is clean (nothing to alert). */
export interface Finding {
  readonly key: string;
  readonly check: string;
  readonly environment: EnvironmentName;
  readonly subject: string;
  readonly fingerprint?: string;
  /** One line, e.g. `[dev] security-groups in dev: DRIFTED — 1 modified …`. */
  readonly headline: string;
  /** The finding's detail lines (the check's own report renderer); compared line by line to say what changed. */
  readonly lines: readonly string[];
  readonly checkedAt: string;
}

/** Who acknowledged or snoozed, and why (both audited). */
export interface AlertDecision {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
  /** The fingerprint the decision was about. */
  readonly fingerprint: string;
}

/** What the store keeps per alert key: the last finding and what people decided about it. */
export interface AlertRecord {
  readonly key: string;
  readonly check: string;
  readonly environment: EnvironmentName;
  readonly subject: string;
  readonly channel: string;
  /** The alert message (top level in the alerts channel). */
  readonly ts?: string;
  readonly status: 'open' | 'acknowledged' | 'snoozed' | 'resolved';
  /** The fingerprint last seen (absent once resolved). */
  readonly fingerprint?: string;
  readonly headline: string;
  readonly lines: readonly string[];
  readonly acknowledged?: AlertDecision;
  readonly snoozed?: AlertDecision & { readonly for: SnoozeFor; readonly until?: string };
  readonly updatedAt: string;
}

/** What to do with a finding, given the alert as it stands. */
export type AlertAction =
  | { readonly kind: 'post'; readonly why: string }
  | { readonly kind: 'update'; readonly added: readonly string[]; readonly removed: readonly string[] }
  | { readonly kind: 'resolve' }
  | { readonly kind: 'none'; readonly why: string };

/** Lines in `next` and not in `prev` (added) and the other way round (removed): what changed, in words. */
export function changedLines(prev: readonly string[], next: readonly string[]): { added: string[]; removed: string[] } {
  const before = new Set(prev.map((l) => l.trim()));
  const after = new Set(next.map((l) => l.trim()));
  return {
    added: [...after].filter((l) => !before.has(l) && !l.startsWith('drift id ') && !l.startsWith('checked ')),
    removed: [...before].filter((l) => !after.has(l) && !l.startsWith('drift id ') && !l.startsWith('checked ')),
  };
}

/** True while a timed snooze has not run out. */
export function snoozeActive(record: AlertRecord, now: Date): boolean {
  const s = record.status === 'snoozed' ? record.snoozed : undefined;
  if (!s) return false;
  if (s.for === 'until-changed') return true;
  return s.until !== undefined && Date.parse(s.until) > now.getTime();
}

/**
 * The rule: the same fingerprint alerts once; a changed one updates the same message (saying what changed); a
 * clean check of an alerted subject resolves it (said in the thread); a snooze keeps it quiet until it ends or
 * (`until-changed`) the fingerprint changes; after a timed snooze ends, a finding still there is posted again.
 */
export function decideAlert(prev: AlertRecord | undefined, finding: Finding, now: Date): AlertAction {
  const open = prev !== undefined && prev.status !== 'resolved' && prev.ts !== undefined;
  if (finding.fingerprint === undefined) {
    return open ? { kind: 'resolve' } : { kind: 'none', why: 'clean, and no alert is open' };
  }
  if (!open) return { kind: 'post', why: prev ? 'found again after it was resolved' : 'new finding' };
  const same = prev.fingerprint === finding.fingerprint;
  if (prev.status === 'snoozed' && prev.snoozed) {
    if (prev.snoozed.for === 'until-changed') {
      if (same) return { kind: 'none', why: 'snoozed until it changes' };
      return { kind: 'update', ...changedLines(prev.lines, finding.lines) };
    }
    if (snoozeActive(prev, now)) return { kind: 'none', why: `snoozed until ${prev.snoozed.until ?? '?'}` };
    return { kind: 'post', why: `the snooze (${prev.snoozed.for}) ended and it is still there` };
  }
  if (same) return { kind: 'none', why: `alerted already (${prev.status})` };
  return { kind: 'update', ...changedLines(prev.lines, finding.lines) };
}

/** The record after `action` was carried out for `finding` (`ts`: the message posted, if one was). */
export function nextRecord(
  prev: AlertRecord | undefined,
  finding: Finding,
  action: AlertAction,
  channel: string,
  ts: string | undefined,
  now: Date,
): AlertRecord {
  const base = {
    key: finding.key,
    check: finding.check,
    environment: finding.environment,
    subject: finding.subject,
    channel: prev?.channel ?? channel,
    updatedAt: now.toISOString(),
  };
  switch (action.kind) {
    case 'post':
      return {
        ...base,
        channel,
        ...(ts ? { ts } : {}),
        status: 'open',
        ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
        headline: finding.headline,
        lines: finding.lines,
      };
    case 'update':
      // A changed finding is a new one: an acknowledgement or until-changed snooze of the old one no longer holds.
      return {
        ...base,
        ...(prev?.ts ? { ts: prev.ts } : {}),
        status: 'open',
        ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
        headline: finding.headline,
        lines: finding.lines,
      };
    case 'resolve':
      return {
        ...base,
        ...(prev?.ts ? { ts: prev.ts } : {}),
        status: 'resolved',
        headline: finding.headline,
        lines: prev?.lines ?? [],
      };
    case 'none':
      if (!prev) return { ...base, status: 'resolved', headline: finding.headline, lines: [] };
      // Quiet (snoozed): remember what was seen, so the alert posted when the snooze ends is current.
      return prev.status === 'snoozed' && finding.fingerprint
        ? { ...prev, fingerprint: finding.fingerprint, headline: finding.headline, lines: finding.lines }
        : prev;
  }
}

/** When a snooze ends (`until-changed`: never by time). */
export function snoozeUntil(snooze: SnoozeFor, now: Date): string | undefined {
  return snooze === 'until-changed' ? undefined : new Date(now.getTime() + SNOOZE_MS[snooze]).toISOString();
}

/** Where an alert's state is kept (JSON lines under the state dir: adapters/alerts/jsonl-alert-store.ts). */
export interface AlertStore {
  get(key: string): Promise<AlertRecord | undefined>;
  put(record: AlertRecord): Promise<void>;
  /** Every alert's latest record. */
  list(): Promise<AlertRecord[]>;
}
