import { Context } from '@temporalio/activity';

/** How often a running activity tells the server it is alive (the SDK throttles what it actually sends). */
export const KEEP_ALIVE_MS = 5_000;

/** The current activity's context, or undefined when called outside an activity (CLI, benchmarks, tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` heartbeating every `everyMs` while it is inside an activity. A worker that dies stops
 * heartbeating, so with a heartbeat timeout the server hands the attempt to another worker in seconds;
 * heartbeats also deliver cancellation. Outside an activity it just runs `work`.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const ctx = activityContext();
  if (!ctx) return work();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Every activity of `acts`, heartbeating while it runs (see whileHeartbeating). */
export function keepAlive<T extends object>(acts: T, everyMs = KEEP_ALIVE_MS): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [
      name,
      typeof fn === 'function'
        ? (...args: unknown[]) =>
            whileHeartbeating(() => Promise.resolve((fn as (...a: unknown[]) => unknown)(...args)), everyMs)
        : fn,
    ]),
  ) as T;
}
