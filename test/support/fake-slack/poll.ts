import { eventually } from '../sandbox';

/** `eventually` for synchronous checks (of what the fake Slack recorded). */
export function poll<T>(check: () => T | undefined, timeoutMs?: number, what?: string): Promise<T> {
  return eventually(() => Promise.resolve(check()), timeoutMs, what);
}
