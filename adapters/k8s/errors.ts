import type { RunCommandResult } from '../cli/run-command';
import { InvalidInput, TransientFailure } from '../../core/errors';

/**
 * Turns a failed kubectl/helm run into an error type. The tools report only text, so the text is all there is to go
 * on: "not found" is the person's mistake (not retried), an unreachable server is worth retrying, anything else is
 * reported as is (retried by the default policy).
 */
export function toolFailure(tool: string, what: string, r: RunCommandResult): Error {
  const text = (r.stderr.trim() || r.stdout.trim()).slice(0, 1000);
  const message = `${tool} ${what} failed (exit ${r.exitCode}): ${text}`;
  if (/not ?found/i.test(text)) return new InvalidInput(message);
  if (/connection refused|i\/o timeout|TLS handshake timeout|Unable to connect|EOF$/im.test(text)) {
    return new TransientFailure(message);
  }
  return new Error(message);
}
