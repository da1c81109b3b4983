import type { Command } from '../../core/commands/types';
import type { AppConfig } from '../../core/config';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
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
    // The client's config has no freezes and names another in prd: `freezes` must answer from the worker's.
    const clientConfig: AppConfig = {
      ...config,
      environments: {
        ...config.environments,
        tst: { ...config.environments.tst, changeFreezes: [] },
        prd: {
          ...config.environments.prd,
          changeFreezes: [{ from: '2020-01-01T00:00:00Z', to: '2099-01-01T00:00:00Z', reason: 'client only' }],
        },
      },
    };
    session = await openGateway(clientConfig, { pollMs: 100 });
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

  const freezes = async (line: string): Promise<{ text: string; slack: string; command: Command }> => {
    const parsed = session.gateway.parse(line);
    if (!parsed.ok) throw new Error(parsed.error);
    const r = await session.gateway.execute(parsed.command, person('carol'));
    if (r.kind !== 'freezes') throw new Error(`expected the freezes, got ${r.kind}`);
    return {
      text: renderResult(parsed.command, r, 'carol').text,
      slack: JSON.stringify(renderSlackResult(parsed.command, r, 'C1')),
      command: parsed.command,
    };
  };

  it("GIVEN the freeze WHEN anyone asks `freezes tst` THEN it says tst is frozen until the same end the writes were refused with, from the worker's config", async () => {
    const refused = await session.gateway.result(
      (await session.gateway.startStackOperation('deploy-stack', 'logs-recur-freeze', 'tst', person('alice')))
        .operationId,
    );
    const until = /until (\S+):/.exec(refused.message ?? '')![1]!;
    const { text, slack } = await freezes('is tst frozen');
    expect(text.split('\n')[0]).toBe(
      `TST is FROZEN until ${until}: sprint-end freeze (every ${/every (\w{3} \d\d:\d\d → \w{3} \d\d:\d\d)/.exec(refused.message ?? '')![1]} UTC) — writes are refused; reads still run`,
    );
    expect(text).toMatch(/IN FORCE now, \S+ → \S+/);
    expect(slack).toContain(':snowflake:');
  });

  it("GIVEN no freeze in the worker's config for prd (the client's config has one) WHEN `freezes prd` THEN none is configured", async () => {
    const { text, slack } = await freezes('freezes prd');
    expect(text).toBe(
      "No change freezes are configured for PRD (environments.prd.changeFreezes in the worker's config)",
    );
    expect(text).not.toContain('client only');
    expect(slack).not.toContain('client only');
  });

  it('GIVEN an environment not configured WHEN `freezes stg` THEN the parse names the field and the environments', () => {
    const parsed = session.gateway.parse('freezes stg');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/env/);
  });
});
