import type { AwsClientFactory } from '../../adapters/aws/clients';
import type { RunCommand } from '../../adapters/cli/run-command';
import type { ComposeSeams } from '../../worker/compose';

/**
 * Test-only chaos, composed into the test child worker (never into `infra-agent worker`):
 * - INFRA_AGENT_FAULT_KILL_AFTER=<SDK command name> (e.g. ExecuteChangeSetCommand): the worker process SIGKILLs
 *   itself right after that AWS call returned and before the activity can report — the "outcome unknown" case
 *   the mutating activities must survive.
 * - INFRA_AGENT_FAULT_HANG_COMMAND=<tool base name> (e.g. cfn-lint): running that tool never finishes (until the
 *   activity is cancelled), so a test can kill the worker while the activity is surely still running.
 * - INFRA_AGENT_FAULT_SLOW_COMMAND=<tool base name>:<ms> (e.g. cfn-lint:4000): that tool starts that much later and
 *   then runs for real, so a test can SIGTERM the worker while the activity runs and watch the drain finish it.
 */
export function faultInjectionSeams(env: NodeJS.ProcessEnv): ComposeSeams {
  const killAfter = env.INFRA_AGENT_FAULT_KILL_AFTER;
  const hang = env.INFRA_AGENT_FAULT_HANG_COMMAND;
  const slow = /^([\w.-]+):(\d+)$/.exec(env.INFRA_AGENT_FAULT_SLOW_COMMAND ?? '');
  return {
    ...(killAfter ? { aws: (f: AwsClientFactory) => killingAfter(f, killAfter) } : {}),
    ...(hang ? { run: (r: RunCommand) => hanging(r, hang) } : {}),
    ...(slow ? { run: (r: RunCommand) => slowed(r, slow[1]!, Number(slow[2])) } : {}),
  };
}

function killingAfter(factory: AwsClientFactory, killAfter: string): AwsClientFactory {
  return {
    ...factory,
    cloudFormation: (t) => {
      const client = factory.cloudFormation(t);
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          if (context.commandName === killAfter) {
            console.error(`[fault-injection] ${killAfter} sent; killing worker pid ${process.pid}`);
            process.kill(process.pid, 'SIGKILL');
          }
          return out;
        },
        { step: 'initialize', name: 'infraAgentFaultInjection' },
      );
      return client;
    },
  };
}

function hanging(run: RunCommand, tool: string): RunCommand {
  return (input) => {
    if (input.file.split('/').pop() !== tool) return run(input);
    console.error(`[fault-injection] ${tool} started; it will not finish (pid ${process.pid})`);
    return new Promise((_resolve, reject) =>
      input.signal?.addEventListener('abort', () => reject(new Error(`${tool} cancelled`))),
    );
  };
}

function slowed(run: RunCommand, tool: string, ms: number): RunCommand {
  return async (input) => {
    if (input.file.split('/').pop() !== tool) return run(input);
    console.error(`[fault-injection] ${tool} started; it runs in ${ms} ms (pid ${process.pid})`);
    await new Promise((r) => setTimeout(r, ms));
    const out = await run(input);
    console.error(`[fault-injection] ${tool} finished (pid ${process.pid})`);
    return out;
  };
}
