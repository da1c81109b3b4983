import type { RunCommand, RunCommandInput, RunCommandResult } from '../../../adapters/cli/run-command';

/** A RunCommand that records every call and answers with a fixed result. */
export function fakeRun(result: Partial<RunCommandResult>): RunCommand & { calls: RunCommandInput[] } {
  const calls: RunCommandInput[] = [];
  const run = (input: RunCommandInput): Promise<RunCommandResult> => {
    calls.push(input);
    return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', truncated: false, durationMs: 1, ...result });
  };
  return Object.assign(run, { calls });
}

/** Wraps a real RunCommand and counts the processes it starts. */
export function countingRun(inner: RunCommand): RunCommand & { calls: RunCommandInput[] } {
  const calls: RunCommandInput[] = [];
  const run = (input: RunCommandInput): Promise<RunCommandResult> => {
    calls.push(input);
    return inner(input);
  };
  return Object.assign(run, { calls });
}
