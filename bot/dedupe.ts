import { createHash } from 'node:crypto';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '@slack/bolt';
import type { AppConfig } from '../core/config';

/**
 * Says whether a Slack delivery is seen for the first time. Keys are what Slack gives: `event_id` for events,
 * `trigger_id` for slash commands, user + `action_ts` for clicks, view id + hash for submissions.
 */
export interface DeliveryLedger {
  /** True the first time `key` is offered; false for every repeat. Claims the key when it answers true. */
  first(key: string): boolean | Promise<boolean>;
}

/**
 * Remembers delivery ids for a while in this process, so the same signed request delivered twice — a replay, or
 * Slack's own retries with X-Slack-Retry-Num — is handled once. Bolt keeps no such cache. Forgets on restart:
 * the bot uses DurableDeliveryDedupe, which keeps one of these in front of its files.
 */
export class DeliveryDedupe implements DeliveryLedger {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `key` is offered within the TTL; false for every repeat. */
  first(key: string): boolean {
    const t = this.now();
    this.sweep(t);
    if (this.seen.has(key)) return false;
    this.seen.set(key, t + this.ttlMs);
    return true;
  }

  private sweep(t: number): void {
    // Map iteration is insertion order, so expired entries are at the front.
    for (const [k, expires] of this.seen) {
      if (expires > t) break;
      this.seen.delete(k);
    }
  }
}

/** Where a bot keeps its delivery keys: next to the audit log, so every instance over the same state shares them. */
export function deliveriesDir(config: AppConfig): string {
  return join(dirname(config.audit.path), 'slack-deliveries');
}

/** Where and how long DurableDeliveryDedupe keeps keys. */
export interface DurableDeliveryDedupeProps {
  /** A directory shared by every bot instance (one file per key). Created if missing. */
  readonly dir: string;
  /**
   * How long a key is kept. Default 30 minutes: Bolt refuses signatures older than 5 minutes and Slack's last
   * retry comes after ~5, so an older replay never reaches a listener.
   */
  readonly ttlMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/**
 * Delivery dedupe that survives restarts and holds across bot instances: a key is claimed by creating its file
 * exclusively (`open(…, 'wx')`, atomic on one file system), so of two instances — or one before and one after a
 * restart — exactly one handles a delivery. At most once: a delivery whose handling dies half-way is not redone
 * (the person sees no answer and asks again), which is the safe side for commands that change infrastructure.
 */
export class DurableDeliveryDedupe implements DeliveryLedger {
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** Concurrent repeats within this process are answered without touching the disk. */
  private readonly recent: DeliveryDedupe;
  private ready: Promise<unknown> | undefined;
  private nextSweepAt = 0;

  constructor(private readonly props: DurableDeliveryDedupeProps) {
    this.ttlMs = props.ttlMs ?? 30 * 60_000;
    this.now = props.now ?? Date.now;
    this.recent = new DeliveryDedupe(this.ttlMs, this.now);
  }

  async first(key: string): Promise<boolean> {
    if (!this.recent.first(key)) return false;
    this.ready ??= mkdir(this.props.dir, { recursive: true, mode: 0o700 });
    await this.ready;
    // Hashed: keys hold Slack ids and timestamps, and a file name must not carry a path separator.
    const file = join(this.props.dir, createHash('sha256').update(key).digest('hex').slice(0, 40));
    this.maybeSweep();
    try {
      await (await open(file, 'wx', 0o600)).close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  /** Deletes expired keys now and then, in the background; a failure is logged and retried later. */
  private maybeSweep(): void {
    const t = this.now();
    if (t < this.nextSweepAt) return;
    this.nextSweepAt = t + Math.max(1000, this.ttlMs / 2);
    void this.sweep(t).catch((e: unknown) =>
      this.props.logger?.warn(`could not clear old Slack delivery keys in ${this.props.dir}: ${(e as Error).message}`),
    );
  }

  private async sweep(t: number): Promise<void> {
    for (const name of await readdir(this.props.dir)) {
      const file = join(this.props.dir, name);
      const s = await stat(file).catch(() => undefined);
      if (s && s.mtimeMs + this.ttlMs < t) await unlink(file).catch(() => undefined);
    }
  }
}
