/**
 * Where a listener's work runs after its ack: at most `max` at a time, each started on a later turn of the event
 * loop. Acks are cheap and due within Slack's 3 seconds; the work after them (parsing, interpreting, gateway calls
 * that load Temporal) is not. Without a bound, a burst of commands starts all its work at once and the acks of
 * requests still arriving queue behind it — on the bot's event loop and on the cores it shares with Temporal.
 */
export class WorkLane {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly max = 4) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.max) this.running++;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      // Requests that arrived meanwhile are read and acked before this work takes the loop.
      await new Promise((r) => setImmediate(r));
      return await work();
    } finally {
      // The slot passes straight to the next in line, or frees up.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
      if (this.running === 0) for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  /** How much work is running or waiting. */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  /** Resolves once no work is running or waiting (a stopping bot lets acknowledged requests finish). */
  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}
