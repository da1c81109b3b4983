import { condition, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperationEvent } from '../activities/notify/notify-operation';
import type { OperationState } from '../core/operations';
import { notifyActivity } from './activity-options';
import type { OperationBaseInput } from './definitions';

/** How long a finished operation waits for its last messages to reach Slack before closing. */
const FLUSH_MS = 2 * 60_000;

/**
 * Reports an operation's progress into its Slack thread without ever failing or blocking it: notifications
 * run one after another on a background chain (order kept, the status message's ts learned from the first
 * post), their failures are swallowed, and the main flow never awaits them — except `flush()` at the end,
 * bounded, so the final message usually catches up before the workflow closes.
 */
export class OperationNotifier {
  private messageTs: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private readonly acts = proxyActivities<Activities>(notifyActivity);

  private constructor(private readonly target: OperationBaseInput['notify']) {}

  /**
   * A notifier for this run. The `notify-v1` patch keeps workflows started before notifications existed
   * replaying exactly as they ran (they never call the activity).
   */
  static for(input: Pick<OperationBaseInput, 'notify'>): OperationNotifier {
    return new OperationNotifier(input.notify && patched('notify-v1') ? input.notify : undefined);
  }

  /** Queues a notification of `state` (a snapshot: later changes do not leak into it). */
  send(state: OperationState, event: OperationEvent): void {
    const target = this.target;
    if (!target) return;
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        const r = await this.acts.notifyOperation({
          channel: target.channel,
          ...(target.threadTs ? { threadTs: target.threadTs } : {}),
          ...(this.messageTs ? { messageTs: this.messageTs } : {}),
          state,
          event,
        });
        if (r.messageTs) this.messageTs = r.messageTs;
      } catch {
        // Slack unreachable after all retries: the operation goes on; the next notification tries again.
      } finally {
        this.pending--;
      }
    });
  }

  /**
   * Raises a failed operation in the environment's on-call channel, on the same background chain (never
   * blocking or failing the operation). `alert-on-failure-v1` keeps earlier failed runs replaying as they ran.
   */
  alert(state: OperationState): void {
    const target = this.target;
    if (!target?.alertsChannel || !patched('alert-on-failure-v1')) return;
    const channel = target.alertsChannel;
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        await this.acts.alertOperation({ channel, state, statusChannel: target.channel });
      } catch {
        // On-call channel unreachable after all retries: the operation's own thread still has the outcome.
      } finally {
        this.pending--;
      }
    });
  }

  /** Waits (at most FLUSH_MS) for queued notifications, so the outcome is posted before the workflow ends. */
  async flush(): Promise<void> {
    if (this.target) await condition(() => this.pending === 0, FLUSH_MS);
  }
}
