import { ApplicationFailure, Context } from '@temporalio/activity';
import type { AlertRecord, AlertStore, Finding, SnoozeFor } from '../../core/alerts/alert';
import { decideAlert, nextRecord, snoozeUntil } from '../../core/alerts/alert';
import type { AuditLog } from '../../core/audit';
import type { KubernetesDriftReport } from '../../core/drift/kubernetes';
import { kubernetesSubject } from '../../core/drift/kubernetes';
import type { StackDriftReport } from '../../core/drift/report';
import type { Requester } from '../../core/requester';
import { userText } from '../../presentation/slack/escape';
import { renderDrift } from '../../presentation/text/drift';
import { renderVerify } from '../../presentation/text/verify';
import type { VerifyReport } from '../../core/verify/report';
import { verifySubject } from '../../core/verify/report';
import type { NotifierPort, RenderedMessage } from '../notify/notify-operation';

/** How alerts look in chat (the bot's Block Kit builders, injected by the composition root). */
export interface AlertMessages {
  message(record: AlertRecord, note?: string): RenderedMessage;
  reply(text: string): RenderedMessage;
}

export interface AlertDeps {
  readonly store: AlertStore;
  readonly notifier: NotifierPort;
  readonly messages: AlertMessages;
  readonly audit: AuditLog;
}

/** Input of `raiseAlert`: one check's finding about one subject, and where alerts of its environment go. */
export interface RaiseAlertInput {
  readonly finding: Finding;
  /** The environment's `slack.alertsChannel`; absent: the state is kept, nothing is posted. */
  readonly channel?: string;
}

export interface RaiseAlertResult {
  readonly action: 'post' | 'update' | 'resolve' | 'none';
  readonly why?: string;
  readonly ts?: string;
}

/** Input of `decideAlertActivity`: acknowledge or snooze an alert, by a person, with a reason. */
export interface AlertDecisionInput {
  readonly key: string;
  readonly decision: 'acknowledge' | 'snooze';
  readonly snooze?: SnoozeFor;
  readonly requester: Requester;
  readonly reason: string;
}

/** A drift report as an alert finding: the drift report renderer's own lines; clean when nothing drifted. */
export function driftFinding(report: StackDriftReport | KubernetesDriftReport): Finding {
  const text = renderDrift(report);
  // A service's or release's alert is keyed apart from stacks: drift/dev/service-payments-api.
  const subject = report.kind === 'stack' ? report.stack : kubernetesSubject(report);
  return {
    key: `drift/${report.environment}/${subject}`,
    check: 'drift',
    environment: report.environment,
    subject,
    ...(report.status === 'DRIFTED' ? { fingerprint: report.fingerprint } : {}),
    headline: text.headline,
    lines: text.body.split('\n'),
    checkedAt: report.checkedAt,
  };
}

/** A verification as an alert finding: the verify renderer's lines; clean when every check passed. */
export function verifyFinding(report: VerifyReport): Finding {
  const text = renderVerify(report);
  const subject = verifySubject(report);
  return {
    key: `verify/${report.environment}/${subject}`,
    check: 'verify',
    environment: report.environment,
    subject,
    ...(report.status === 'FAILED' && report.fingerprint ? { fingerprint: report.fingerprint } : {}),
    headline: text.headline,
    lines: text.body.split('\n'),
    checkedAt: report.checkedAt,
  };
}

const transient = (e: unknown): never => {
  if (e instanceof Error && e.name === 'RateLimited') {
    throw ApplicationFailure.create({
      type: 'TransientFailure',
      message: e.message,
      nextRetryDelay: (e as Error & { retryAfterMs: number }).retryAfterMs,
    });
  }
  throw e;
};

function changeNote(added: readonly string[], removed: readonly string[]): string {
  return [
    'changed since the first alert:',
    ...added.map((l) => `  new: ${l}`),
    ...removed.map((l) => `  gone: ${l}`),
    ...(added.length + removed.length === 0 ? ['  (different drift id, same lines)'] : []),
  ].join('\n');
}

/**
 * The one alert shape for every check: decide (core/alerts) what a finding means for its alert, then post, update
 * or resolve the message in the alerts channel and keep the state. Idempotent: a retry finds its earlier post by
 * key (the key names the record it was decided from), updates and replies are keyed the same way.
 */
export function createAlertActivities(deps: AlertDeps | undefined) {
  const need = (): AlertDeps => {
    if (!deps) throw ApplicationFailure.nonRetryable('alerts are not configured on this worker', 'ToolMissing');
    return deps;
  };
  const activities = {
    /** A drift report as an alert (the drift report renderer's words, deduplicated by the drift id). */
    raiseDriftAlert(input: {
      report: StackDriftReport | KubernetesDriftReport;
      channel?: string;
    }): Promise<RaiseAlertResult> {
      return activities.raiseAlert({
        finding: driftFinding(input.report),
        ...(input.channel ? { channel: input.channel } : {}),
      });
    },

    /** A verification as an alert: raised when checks fail, resolved when a later verification passes. */
    raiseVerifyAlert(input: { report: VerifyReport; channel?: string }): Promise<RaiseAlertResult> {
      return activities.raiseAlert({
        finding: verifyFinding(input.report),
        ...(input.channel ? { channel: input.channel } : {}),
      });
    },

    async raiseAlert(input: RaiseAlertInput): Promise<RaiseAlertResult> {
      const { store, notifier, messages } = need();
      const info = Context.current().info;
      const now = new Date();
      const prev = await store.get(input.finding.key);
      const action = decideAlert(prev, input.finding, now);
      if (action.kind === 'none') {
        const next = nextRecord(prev, input.finding, action, input.channel ?? '', undefined, now);
        if (prev && next !== prev) await store.put(next);
        return { action: 'none', why: action.why };
      }
      const channel = prev?.channel || input.channel;
      const base = `alert|${input.finding.key}|${prev?.updatedAt ?? 'new'}`;
      const post = async (m: { channel: string; threadTs?: string; key: string } & RenderedMessage) => {
        const earlier = info.attempt > 1 ? await notifier.findPosted(m) : undefined;
        return earlier ?? (await notifier.post(m)).ts;
      };
      try {
        if (action.kind === 'post') {
          const record = nextRecord(prev, input.finding, action, input.channel ?? '', undefined, now);
          const ts = input.channel
            ? await post({ channel: input.channel, key: `${base}|post`, ...messages.message(record) })
            : undefined;
          await store.put(ts ? { ...record, ts } : record);
          return { action: 'post', why: action.why, ...(ts ? { ts } : {}) };
        }
        const record = nextRecord(prev, input.finding, action, input.channel ?? '', undefined, now);
        const ts = prev?.ts;
        if (channel && ts) {
          if (action.kind === 'update') {
            const note = changeNote(action.added, action.removed);
            await notifier.update({ channel, ts, ...messages.message(record, note) });
            await post({
              channel,
              threadTs: ts,
              key: `${base}|changed`,
              ...messages.reply(`:pencil2: ${userText(note)}`),
            });
          } else {
            await notifier.update({ channel, ts, ...messages.message(record) });
            await post({
              channel,
              threadTs: ts,
              key: `${base}|resolved`,
              ...messages.reply(
                `:white_check_mark: resolved: the check at ${input.finding.checkedAt} found nothing any more (${userText(input.finding.headline)})`,
              ),
            });
          }
        }
        await store.put(record);
        return { action: action.kind, ...(ts ? { ts } : {}) };
      } catch (e) {
        return transient(e);
      }
    },

    /** Acknowledge or snooze: the alert's state, its message and thread, and the audit trail (who, why). */
    async decideAlertActivity(input: AlertDecisionInput): Promise<AlertRecord> {
      const { store, notifier, messages, audit } = need();
      const prev = await store.get(input.key);
      if (!prev || prev.status === 'resolved' || !prev.fingerprint) {
        throw ApplicationFailure.nonRetryable(
          `alert: there is no open alert ${input.key}${prev?.status === 'resolved' ? ' (it was resolved)' : ''}; ` +
            '`alerts` lists the open ones',
          'InvalidInput',
        );
      }
      const now = new Date();
      const decision = {
        by: input.requester.userId,
        reason: input.reason,
        at: now.toISOString(),
        fingerprint: prev.fingerprint,
      };
      const { acknowledged: _a, snoozed: _s, ...rest } = prev;
      void _a;
      void _s;
      const record: AlertRecord =
        input.decision === 'acknowledge'
          ? { ...rest, status: 'acknowledged', acknowledged: decision, updatedAt: decision.at }
          : {
              ...rest,
              status: 'snoozed',
              snoozed: {
                ...decision,
                for: input.snooze ?? 'until-changed',
                ...(snoozeUntil(input.snooze ?? 'until-changed', now)
                  ? { until: snoozeUntil(input.snooze ?? 'until-changed', now) }
                  : {}),
              },
              updatedAt: decision.at,
            };
      const info = Context.current().info;
      await audit.append({
        key: `${info.workflowExecution?.workflowId ?? info.activityId}|alert-${input.decision}`,
        action: input.decision === 'acknowledge' ? 'acknowledged' : 'snoozed',
        actor: input.requester.userId,
        operationId: `alert/${input.key}`,
        environment: prev.environment,
        target: input.key,
        details: {
          reason: input.reason,
          fingerprint: prev.fingerprint,
          via: input.requester.via,
          ...(record.snoozed
            ? { snooze: record.snoozed.for, ...(record.snoozed.until ? { until: record.snoozed.until } : {}) }
            : {}),
        },
      });
      await store.put(record);
      try {
        if (prev.ts && prev.channel) {
          await notifier.update({ channel: prev.channel, ts: prev.ts, ...messages.message(record) });
          const what =
            input.decision === 'acknowledge'
              ? `:eyes: acknowledged by ${input.requester.displayName}`
              : `:zzz: snoozed ${record.snoozed?.for === 'until-changed' ? 'until it changes' : `for ${record.snoozed?.for ?? ''}`} by ${input.requester.displayName}`;
          const m = {
            channel: prev.channel,
            threadTs: prev.ts,
            key: `alert|${input.key}|${info.workflowExecution?.workflowId ?? info.activityId}|${input.decision}`,
          };
          const earlier = info.attempt > 1 ? await notifier.findPosted(m) : undefined;
          if (!earlier)
            await notifier.post({ ...m, ...messages.reply(`${userText(what)}: ${userText(input.reason)}`) });
        }
      } catch (e) {
        return transient(e);
      }
      return record;
    },

    /**
     * A line in an alert's thread (a remediation's result): posted once per key — a retry after a lost answer
     * finds the earlier post. No alert, or one never posted: nothing to say, `posted: false`.
     */
    async noteAlert(input: { readonly key: string; readonly note: string; readonly postKey: string }) {
      const { store, notifier, messages } = need();
      const record = await store.get(input.key);
      if (!record?.ts || !record.channel) return { posted: false };
      const m = { channel: record.channel, threadTs: record.ts, key: `alert|${input.key}|${input.postKey}` };
      try {
        const earlier = Context.current().info.attempt > 1 ? await notifier.findPosted(m) : undefined;
        if (!earlier) await notifier.post({ ...m, ...messages.reply(userText(input.note)) });
      } catch (e) {
        return transient(e);
      }
      return { posted: true, ts: record.ts };
    },

    /** Every alert that is not resolved (for `alerts`). */
    async listAlerts(): Promise<AlertRecord[]> {
      return (await need().store.list()).filter((r) => r.status !== 'resolved');
    },
  };
  return activities;
}
