import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';

/** Where a workflow's time went, read from its history. */
export interface HistoryTimes {
  /** Activity tasks: scheduled → picked up by the worker (queueing), ms. */
  readonly activityQueueMs: number[];
  /** Activity run time by activity type, ms. */
  readonly activityRunMs: Record<string, number[]>;
  /** Workflow tasks: scheduled → picked up (queueing), ms. */
  readonly workflowTaskQueueMs: number[];
  /** Workflow tasks: picked up → completed (the worker running workflow code), ms. */
  readonly workflowTaskRunMs: number[];
  /** Activities that needed more than one attempt, by type, and why the attempt before the last failed. */
  readonly retries: Record<string, number>;
  readonly retryReasons: string[];
}

const empty = (): HistoryTimes => ({
  activityQueueMs: [],
  activityRunMs: {},
  workflowTaskQueueMs: [],
  workflowTaskRunMs: [],
  retries: {},
  retryReasons: [],
});

/** Queueing and run times of every activity and workflow task of one workflow. */
export async function historyTimes(client: Client, workflowId: string): Promise<HistoryTimes> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const at = new Map<number, number>();
  const type = new Map<number, string>();
  const out = empty();
  for (const e of history.events ?? []) {
    const id = Number(e.eventId);
    const t = tsToMs(e.eventTime);
    at.set(id, t);
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) type.set(id, sched.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      out.activityQueueMs.push(t - (at.get(Number(started.scheduledEventId)) ?? t));
      if ((started.attempt ?? 1) > 1) {
        const name = type.get(Number(started.scheduledEventId)) ?? '?';
        out.retries[name] = (out.retries[name] ?? 0) + 1;
        out.retryReasons.push(`${name}: ${started.lastFailure?.message ?? '?'}`);
      }
    }
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const name = type.get(Number(done.scheduledEventId)) ?? '?';
      (out.activityRunMs[name] ??= []).push(t - (at.get(Number(done.startedEventId)) ?? t));
    }
    const wfStarted = e.workflowTaskStartedEventAttributes;
    if (wfStarted) out.workflowTaskQueueMs.push(t - (at.get(Number(wfStarted.scheduledEventId)) ?? t));
    const wfDone = e.workflowTaskCompletedEventAttributes;
    if (wfDone) out.workflowTaskRunMs.push(t - (at.get(Number(wfDone.startedEventId)) ?? t));
  }
  return out;
}

/** The same activities, each call's duration recorded by name (the floor has no history; the worker's side). */
export function timedActivities<T extends object>(acts: T, runMs: Record<string, number[]>): T {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(acts)) {
    if (typeof v !== 'function') {
      out[name] = v;
      continue;
    }
    const call = v as (...a: unknown[]) => Promise<unknown>;
    out[name] = async (...args: unknown[]) => {
      const t0 = Date.now();
      try {
        return await call(...args);
      } finally {
        (runMs[name] ??= []).push(Date.now() - t0);
      }
    };
  }
  return out as T;
}

/** Many workflows' times merged. */
export function mergeTimes(all: readonly HistoryTimes[]): HistoryTimes {
  const out = empty();
  for (const h of all) {
    out.retryReasons.push(...h.retryReasons);
    for (const [k, v] of Object.entries(h.retries)) out.retries[k] = (out.retries[k] ?? 0) + v;
    out.activityQueueMs.push(...h.activityQueueMs);
    out.workflowTaskQueueMs.push(...h.workflowTaskQueueMs);
    out.workflowTaskRunMs.push(...h.workflowTaskRunMs);
    for (const [k, v] of Object.entries(h.activityRunMs)) (out.activityRunMs[k] ??= []).push(...v);
  }
  return out;
}
