import type { AppConfig } from '../../core/config';
import { WEEKDAYS } from '../../core/freezes';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

/** `Fri 16:00` for an instant, in UTC. */
const weekdayTime = (ms: number): string => {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${hh}:${mm}`;
};

/**
 * Recurring change freezes (issue 19.4) through the one check every write workflow makes at request time: a weekly
 * window in a time zone in tst refuses a stack deploy, a stack delete, a rollout and a helm upgrade, each ending
 * `frozen` with the window in its message and nothing started. Names are this file's own (shared Temporal server).
 */
describe('a weekly change freeze in a time zone refuses every write kind', () => {
  let worker: RunningWorker;
  let session: GatewaySession;

  beforeAll(async () => {
    const base = withFixtureStacks(testConfig(), { 'logs-recur-freeze': 'stacks/audit-log-group.yaml' });
    const now = Date.now();
    const config: AppConfig = {
      ...base,
      services: { 'recur-api': { ...base.services['payments-api']!, name: 'recur-api' } },
      releases: { 'recur-app': { ...base.releases['sample-app']!, name: 'recur-app' } },
      environments: {
        ...base.environments,
        tst: {
          ...base.environments.tst,
          changeFreezes: [
            {
              kind: 'weekly',
              from: weekdayTime(now - 3600_000),
              to: weekdayTime(now + 3600_000),
              timeZone: 'UTC',
              reason: 'sprint-end freeze',
            },
          ],
        },
      },
    };
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  it.each([
    [
      'deploy-stack',
      (s: GatewaySession) => s.gateway.startStackOperation('deploy-stack', 'logs-recur-freeze', 'tst', person('alice')),
    ],
    [
      'delete-stack',
      (s: GatewaySession) => s.gateway.startStackOperation('delete-stack', 'logs-recur-freeze', 'tst', person('alice')),
    ],
    ['rollout', (s: GatewaySession) => s.gateway.startRollout('recur-api', '1.4.2', 'tst', person('alice'))],
    [
      'helm-upgrade',
      (s: GatewaySession) => s.gateway.startHelmRelease('helm-upgrade', 'recur-app', 'tst', person('alice')),
    ],
  ])('GIVEN the freeze WHEN a %s starts in tst THEN it ends frozen, naming the window', async (_kind, start) => {
    const op = (await start(session)).operationId;
    const done = await session.gateway.result(op);
    expect(done.outcome).toBe('frozen');
    expect(done.message).toMatch(
      /^change freeze in tst until \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z: sprint-end freeze \(every \w{3} \d\d:\d\d → \w{3} \d\d:\d\d UTC\)$/,
    );
    expect(done.approvals).toEqual([]);
  });
});
