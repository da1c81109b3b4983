/**
 * Remembers delivery ids (trigger_id, action ts, event_id) for a while, so the same signed request delivered
 * twice — a replay, or Slack's own retries with X-Slack-Retry-Num — is handled once. Bolt keeps no such cache.
 * In-process: a second bot instance is covered by the gateway's idempotent workflow ids instead.
 */
export class DeliveryDedupe {
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
