import type { RunCommand, RunCommandInput } from '../../adapters/cli/run-command';

/** The real RunCommand, remembering each invocation so a test can assert the exact argv that ran. */
export function recordingRun(real: RunCommand): { run: RunCommand; calls: RunCommandInput[] } {
  const calls: RunCommandInput[] = [];
  return {
    calls,
    run: (input) => {
      calls.push(input);
      return real(input);
    },
  };
}
