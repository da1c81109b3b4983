import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BotDeps } from '../../bot/deps';
import { forStep, isFailure, runCommand } from '../../bot/run-command';
import { runLines } from '../../bot/understand';
import { executeLine } from '../../cli/execute';
import { COMMANDS } from '../../core/commands/catalog';
import { checkPermission } from '../../core/commands/policy';
import type { CommandSpec } from '../../core/commands/spec';
import type { AppConfig } from '../../core/config';
import { judgeToolUse } from '../../core/llm/proposal';
import type { ProposalContext } from '../../core/llm/proposal';
import type { Requester } from '../../core/requester';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { testBotDeps } from '../support/bot-deps';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

/**
 * One dispatcher for every front end: the terminal, Slack and a proposal's Run reach `gateway.execute`, so the
 * catalog's permission rule refuses the same case the same way everywhere, and nothing starts.
 */
describe('the one dispatcher: the same permission rule for the terminal, Slack and proposals', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let deps: BotDeps;

  const stranger: Requester = { userId: 'slack:U0DISPATCHX', displayName: 'U0DISPATCHX', via: 'slack', requestId: 'x' };
  const strangerInTerminal: Requester = {
    userId: 'mallory-dispatch',
    displayName: 'mallory-dispatch',
    via: 'cli',
    requestId: 'y',
  };

  beforeAll(async () => {
    config = withFixtureStacks(testConfig(), { 'policy-stack': 'stacks/audit-log-group.yaml' });
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-'));
    deps = testBotDeps(config, session.gateway, dir);
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  const terminal = async (who: Requester, line: string) => {
    const lines: string[] = [];
    const code = await executeLine(session, { ...who, via: 'cli', requestId: `t-${Date.now()}` }, line, {
      out: (s) => lines.push(s),
      err: (s) => lines.push(s),
    });
    return { code, text: lines.join('\n') };
  };
  const slack = async (who: Requester, line: string) => {
    const reply = await runCommand(deps, { requester: { ...who, requestId: `s-${Date.now()}` }, known: false }, line, {
      channel: 'C0TEST',
    });
    return { failed: isFailure(reply), text: reply.text };
  };
  /** A proposal's Run: each line dispatched like typed text, as bot/understand's runLines does. */
  const proposalRun = async (who: Requester, line: string) => {
    const id = { requester: { ...who, requestId: `p-${Date.now()}` }, known: false };
    const [answer] = await runLines([line], async (l, step) => {
      const reply = await runCommand(deps, forStep(id, `run-${step}`), l, { channel: 'C0TEST' });
      return { answer: reply, ok: !isFailure(reply) };
    });
    return answer?.text ?? '';
  };
  const proposalCtx = (userId: string): ProposalContext => ({
    stacks: Object.keys(config.stacks),
    services: Object.keys(config.services),
    releases: Object.keys(config.releases),
    permissions: { userId, known: false, approverIn: [] },
    autoRun: { environments: [], unscoped: false },
  });

  it.each([
    ['a write', 'deploy stack policy-stack to dev', 'deploy-stack', { stack: 'policy-stack', env: 'dev' }],
    ['a decision', 'approve stack/dev/policy-stack', 'approve', { op: 'stack/dev/policy-stack' }],
    [
      'a sensitive read',
      'logs payments-api-blue-7d9c6b5f4-x2x7q payments-api dev',
      'pod-logs',
      { pod: 'payments-api-blue-7d9c6b5f4-x2x7q', service: 'payments-api', env: 'dev' },
    ],
  ])(
    'GIVEN a person not in the user list WHEN %s is asked in the terminal, in Slack and by a proposal THEN each is refused with the same rule and nothing starts',
    async (_what, line, tool, input) => {
      const parsed = session.gateway.parse(line);
      if (!parsed.ok) throw new Error(parsed.error);
      const rule = checkPermission(parsed.command, {
        userId: stranger.userId,
        displayName: stranger.displayName,
        known: false,
      });
      expect(rule).toBeDefined();

      const t = await terminal(strangerInTerminal, line);
      expect(t.code).toBe(1);
      expect(t.text).toMatch(/^refused: /);
      const termRule = checkPermission(parsed.command, {
        userId: 'mallory-dispatch',
        displayName: 'mallory-dispatch',
        known: false,
      });
      expect(t.text).toContain(termRule?.message ?? '?');

      const s = await slack(stranger, line);
      expect(s.failed).toBe(true);
      expect(s.text).toBe(`:lock: ${(rule?.message ?? '?').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);

      expect(await proposalRun(stranger, line)).toBe(s.text);

      // The language front door does not even offer it to them.
      expect(judgeToolUse({ name: tool, input, toolUseId: 't' }, proposalCtx(stranger.userId))).toMatchObject({
        kind: 'permission',
      });

      // Nothing was started or decided for them.
      const records = await session.gateway.audit(200);
      expect(records.filter((r) => r.actor === stranger.userId || r.actor === 'mallory-dispatch')).toEqual([]);
    },
    60_000,
  );

  it('GIVEN the catalog THEN every command has an effect, an access rule and what serves it, and every write or decision is for configured users only', () => {
    for (const c of COMMANDS as readonly CommandSpec[]) {
      expect(['read', 'write', 'decision']).toContain(c.effect);
      expect(['anyone', 'known-users']).toContain(c.access);
      expect(c.serves).toBeTruthy();
      if (c.effect !== 'read') expect(c.access).toBe('known-users');
      if (c.access === 'known-users' && c.effect === 'read') expect(c.sensitive).toBeTruthy();
    }
  });

  it('GIVEN a configured user THEN the same lines pass the rule and run (a read answers, a write starts)', async () => {
    const pods = await terminal(person('alice'), 'status stack policy-stack dev');
    expect(pods.code).toBe(0);
    expect(pods.text).toContain('infra-agent-dev-policy-stack does not exist');
    const started = await terminal(person('alice'), 'deploy stack policy-stack to dev');
    expect(started.text).toContain('started stack/dev/policy-stack');
    await eventually(
      async () =>
        (await session.gateway.state('stack/dev/policy-stack')).phase === 'awaiting-approval' ? true : undefined,
      90_000,
      'approval wait',
    );
    expect((await terminal(person('alice'), 'cancel stack/dev/policy-stack')).code).toBe(0);
  }, 120_000);
});

describe('no worker polling the task queue', () => {
  let session: GatewaySession;
  beforeAll(async () => {
    const base = testConfig();
    session = await openGateway({ ...base, temporal: { ...base.temporal, taskQueue: `nobody-polls-${Date.now()}` } });
  });
  afterAll(async () => {
    await session.close();
  });

  it.each(['whoami dev', 'status stack vpc dev', 'validate vpc', 'deploy stack vpc to dev', 'status stack/dev/vpc'])(
    'GIVEN no worker WHEN `%s` is run THEN it says so within seconds, names the task queue and how to start one',
    async (line) => {
      const lines: string[] = [];
      const code = await executeLine(session, person('alice'), line, {
        out: (s) => lines.push(s),
        err: (s) => lines.push(s),
      });
      expect(code).toBe(1);
      expect(lines.join('\n')).toMatch(
        /no worker answered on task queue 'nobody-polls-\d+'.*node bin\/infra-agent worker/is,
      );
      // The test's own timeout is the bound: before, whoami waited 90 s, a read 2 min and validate 10 min.
    },
    30_000,
  );
});
