import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import { cliName } from '../../cli/cli-name';
import { executeLine } from '../../cli/execute';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { withFakeModel } from '../support/fake-bedrock/config';
import type { FakeBedrock } from '../support/fake-bedrock/server';
import { startFakeBedrock } from '../support/fake-bedrock/server';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

describe('terminal front end: free text through the language front door', () => {
  let fake: FakeBedrock;
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    fake = await startFakeBedrock();
    config = withFakeModel(withFixtureStacks(testConfig(), { 'llm-term': 'stacks/audit-log-group.yaml' }), fake);
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
    aws = awsClients(config);
  });
  afterAll(async () => {
    aws.destroy();
    await session.close();
    await worker.stop();
    await fake.close();
  });

  /** Runs one line as the REPL would and returns the exit code and everything printed. */
  async function say(who: Requester, line: string): Promise<{ code: number; text: string }> {
    const printed: string[] = [];
    const o = { out: (s: string) => printed.push(s), err: (s: string) => printed.push(s) };
    const code = await executeLine(session, who, line, o, { pollMs: 100 });
    return { code, text: printed.join('\n') };
  }
  const auditOf = async (id: string) => (await session.gateway.audit(1000)).filter((r) => r.operationId === id);

  it('GIVEN a free-text write WHEN the person answers y THEN only the normal deploy workflow starts, and it waits for someone else to approve', async () => {
    const alice = person('alice');
    fake.script({ toolUses: [{ name: 'deploy-stack', input: { stack: 'llm-term', env: 'dev' } }] });
    const asked = await say(alice, 'could you push the llm-term stack out to dev');
    expect(asked.code).toBe(2);
    expect(asked.text).toContain(
      'I understood:\n  deploy stack llm-term to dev  (changes infrastructure: you will see the preview, and someone else must approve)',
    );
    expect(asked.text).toContain(
      // The hint names the command as it runs here: infra-agent when on PATH, else the clone's launcher (issue 14.10).
      `run it? reply y (run), e (edit), n (cancel) — or run it yourself: ${cliName()} deploy stack llm-term to dev`,
    );
    // Nothing happened yet.
    expect(await aws.stackStatus('infra-agent-dev-llm-term')).toBeUndefined();

    const ran = await say({ ...alice, requestId: `${alice.requestId}-y` }, 'y');
    expect(ran.code).toBe(0);
    expect(ran.text).toMatch(/started stack\/dev\/llm-term/);
    expect(ran.text).toMatch(/waiting for 1 approval\(s\)/);
    const s: OperationState = await session.gateway.state('stack/dev/llm-term');
    expect(s).toMatchObject({ phase: 'awaiting-approval', approvals: [] });
    expect(await aws.stackStatus('infra-agent-dev-llm-term')).toBe('REVIEW_IN_PROGRESS');

    const interpretId = `interpret/${alice.requestId}`;
    expect((await auditOf(interpretId)).map((r) => r.action)).toEqual(['proposed', 'proposal-accepted']);
    expect((await auditOf('stack/dev/llm-term')).map((r) => `${r.action}:${r.actor}`)).toEqual(
      expect.arrayContaining(['requested:alice', 'previewed:infra-agent']),
    );
    // The requester cannot approve it either, whatever the model said.
    expect((await say(alice, 'approve stack/dev/llm-term')).text).toMatch(/refused: you requested this change/);
    await say(person('bob'), 'cancel stack/dev/llm-term');
    await eventually(async () =>
      (await session.gateway.state('stack/dev/llm-term')).phase === 'done' ? true : undefined,
    );
  });

  it('GIVEN a read-only proposal in an environment that allows it THEN it runs at once', async () => {
    fake.script({ toolUses: [{ name: 'stack-status', input: { stack: 'llm-term', env: 'dev' } }] });
    const r = await say(person('alice'), 'how is llm-term doing in dev?');
    expect(r.code).toBe(0);
    expect(r.text).toContain('I understood:\n  status stack llm-term dev  (read-only)\nrunning it now (read-only)');
    expect(r.text).toMatch(/\[dev\] infra-agent-dev-llm-term/);
  });

  it('GIVEN a read in PRD (not allowed to auto-run) WHEN the person answers n THEN nothing runs and the decline is audited', async () => {
    const alice = person('alice');
    fake.script({ toolUses: [{ name: 'stack-status', input: { stack: 'llm-term', env: 'prd' } }] });
    expect((await say(alice, 'how is llm-term doing in production?')).text).toMatch(/run it\? reply y/);
    const n = await say(person('alice'), 'n');
    expect(n).toEqual({ code: 0, text: 'cancelled; nothing was run' });
    expect((await auditOf(`interpret/${alice.requestId}`)).map((r) => r.action)).toEqual([
      'proposed',
      'proposal-declined',
    ]);
  });

  it('GIVEN a proposal WHEN the person answers e THEN the command is printed for editing and not run', async () => {
    fake.script({ toolUses: [{ name: 'delete-stack', input: { stack: 'llm-term', env: 'tst' } }] });
    await say(person('alice'), 'get rid of llm-term in test');
    expect(await say(person('alice'), 'e')).toEqual({
      code: 2,
      text: 'edit and send it:\n  delete stack llm-term from tst',
    });
  });

  it('GIVEN a "why" question THEN the terminal runs the read-only diagnosis and prints the summary, the evidence and the cost', async () => {
    fake.script(
      { toolUses: [{ name: 'investigate', input: { question: 'why is llm-term failing in dev?' } }] },
      { toolUses: [{ name: 'stack-status', input: { stack: 'llm-term', env: 'dev' } }] },
      {
        text: 'The last deploy of llm-term in dev was cancelled before it ran.',
        usage: { inputTokens: 900, outputTokens: 30 },
      },
    );
    const r = await say(person('alice'), 'hey, why is llm-term failing in dev?');
    expect(r.code).toBe(0);
    expect(r.text).toMatch(
      /^investigating \(read-only\)…\nThe last deploy of llm-term in dev was cancelled before it ran\.\nevidence:\n {2}✓ status stack llm-term dev\n\(2 model call\(s\), \d+ tokens, stopped by: answer\)$/,
    );
  });

  it('GIVEN no model configured WHEN the text is a near miss THEN the terminal says "did you mean" and a y runs the corrected command', async () => {
    const plain = await openGateway({ ...config, llm: undefined }, { pollMs: 100 });
    try {
      const printed: string[] = [];
      const o = { out: (s: string) => printed.push(s), err: (s: string) => printed.push(s) };
      expect(await executeLine(plain, person('alice'), 'lsit', o)).toBe(2);
      expect(await executeLine(plain, person('alice'), 'shwo me the audit trial', o)).toBe(2);
      expect(printed.join('\n')).toContain('did you mean:\n  audit 20  (read-only)');
      expect(await executeLine(plain, person('alice'), 'y', o)).toBe(0);
      expect(printed.join('\n')).toMatch(/proposal-accepted/);
      expect(await executeLine(plain, person('alice'), 'why is vpc broken in dev?', o)).toBe(2);
      expect(printed.at(-1)).toMatch(/^diagnosis needs a language model/);
    } finally {
      await plain.close();
    }
  });
});
