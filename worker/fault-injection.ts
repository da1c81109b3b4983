import type { AwsClientFactory } from '../adapters/aws/clients';

/**
 * Test-only chaos: with INFRA_AGENT_FAULT_KILL_AFTER=<SDK command name> (e.g. ExecuteChangeSetCommand) the
 * worker process SIGKILLs itself right after that AWS call returned and before the activity can report —
 * the "outcome unknown" case the mutating activities must survive. Unset in every real deployment.
 */
export function faultInjectingAws(factory: AwsClientFactory, env: NodeJS.ProcessEnv): AwsClientFactory {
  const killAfter = env.INFRA_AGENT_FAULT_KILL_AFTER;
  if (!killAfter) return factory;
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
