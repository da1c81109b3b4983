import { NoWorkerAnswering } from '../../worker/gateway';
import { openGateway } from '../../worker/client-compose';
import { person, testConfig, withFixtureStacks } from '../support/sandbox';

describe('no worker running', () => {
  it('GIVEN an operation started while no worker polls WHEN its state is asked for THEN the answer says to start a worker', async () => {
    const config = withFixtureStacks(testConfig(), { 'nw-logs': 'stacks/audit-log-group.yaml' });
    const session = await openGateway(config);
    try {
      const op = (await session.gateway.startStackOperation('deploy-stack', 'nw-logs', 'dev', person('alice')))
        .operationId;
      const err = await session.gateway.state(op).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NoWorkerAnswering);
      expect((err as Error).message).toContain(`no worker answered on task queue '${config.temporal.taskQueue}'`);
      expect((err as Error).message).toContain('infra-agent worker');
    } finally {
      await session.close();
    }
  });
});
