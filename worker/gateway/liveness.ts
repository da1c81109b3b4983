import type { Client } from '@temporalio/client';
import { noWorkerError } from './temporal-errors';

/** A worker that polled within this window is taken as alive (a live worker re-polls at least once a minute). */
const RECENT_MS = 90_000;
/** A positive answer is reused this long, so a burst of commands costs one call. */
const CACHE_MS = 5_000;
/** The check itself never holds a command up longer than this. */
const CHECK_TIMEOUT_MS = 3_000;
/**
 * A worker that has just started may not have reached the server with its first poll yet (a second or two on a
 * loaded machine): before saying no worker answers, ask again for this long.
 */
const STARTUP_GRACE_MS = 2_000;
const RECHECK_EVERY_MS = 400;

/**
 * Says within seconds when no worker polls the deployment's task queue, instead of letting a read wait for its
 * execution timeout or a write sit unnoticed: Temporal's DescribeTaskQueue lists the pollers it saw recently.
 */
export class WorkerLiveness {
  /** Per task queue (each environment may have its own, core/task-queues.ts): until when a yes is reused. */
  private readonly okUntil = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when a worker polled `taskQueue` recently; otherwise NoWorkerAnswering naming it and how to start one. */
  async assertPolling(taskQueue: string): Promise<void> {
    if (this.now() < (this.okUntil.get(taskQueue) ?? 0)) return;
    const graceUntil = this.now() + STARTUP_GRACE_MS;
    let polling = await this.pollersSeen(taskQueue).catch(() => undefined);
    while (polling === false && this.now() < graceUntil) {
      await new Promise((r) => setTimeout(r, RECHECK_EVERY_MS));
      polling = await this.pollersSeen(taskQueue).catch(() => undefined);
    }
    // The check could not be made (server slow or older): do not block the command on it.
    if (polling === undefined) return;
    if (!polling) throw noWorkerError(undefined, taskQueue);
    this.okUntil.set(taskQueue, this.now() + CACHE_MS);
  }

  /** True when a workflow poller was seen within RECENT_MS; undefined when the server did not answer in time. */
  private async pollersSeen(taskQueue: string): Promise<boolean | undefined> {
    const call = this.client.workflowService.describeTaskQueue({
      namespace: this.namespace,
      // TASK_QUEUE_KIND_NORMAL = 1, TASK_QUEUE_TYPE_WORKFLOW = 1 (temporal.api.enums.v1).
      taskQueue: { name: taskQueue, kind: 1 },
      taskQueueType: 1,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), CHECK_TIMEOUT_MS);
    });
    try {
      const r = await Promise.race([call, timeout]);
      if (!r) return undefined;
      const cutoff = this.now() - RECENT_MS;
      return (r.pollers ?? []).some((p) => {
        const t = p.lastAccessTime;
        if (!t) return true;
        const ms = Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
        return ms >= cutoff;
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
