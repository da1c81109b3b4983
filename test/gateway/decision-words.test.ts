import { mkdirSync, renameSync, rmdirSync } from 'node:fs';
import { executeLine } from '../../cli/execute';
import type { AppConfig } from '../../core/config';
import { OperationFinished } from '../../core/errors';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

/**
 * Messages after races and late decisions (issue 13 item 14): a decision that reaches an operation which has
 * finished meanwhile says how it ended, in the product's words, never Temporal's ("workflow execution already
 * completed", "update was aborted by closing workflow"); a list shows each finished operation's own outcome.
 */
describe('decisions that come too late, and list outcomes', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;

  beforeAll(async () => {
    const base = withFixtureStacks(testConfig(), {
      'late-expired': 'stacks/audit-log-group.yaml',
      'late-rejected': 'stacks/audit-log-group.yaml',
      'held-audit': 'stacks/audit-log-group.yaml',
      'late-duplicate': 'stacks/audit-log-group.yaml',
    });
    config = {
      ...base,
      environments: {
        ...base.environments,
        tst: { ...base.environments.tst, approval: { ...base.environments.tst.approval, expirySeconds: 3 } },
      },
    };
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
  });
  afterAll(async () => {
    await session.close();
    await worker.stop();
  });

  const terminal = async (who: string, line: string) => {
    const lines: string[] = [];
    const code = await executeLine(session, person(who), line, {
      out: (s) => lines.push(s),
      err: (s) => lines.push(s),
    });
    return { code, text: lines.join('\n') };
  };

  it('GIVEN an approval window that expired WHEN an approver approves THEN they are told it expired, not a Temporal error', async () => {
    const op = (await session.gateway.startStackOperation('deploy-stack', 'late-expired', 'tst', person('alice')))
      .operationId;
    await expect(session.gateway.result(op)).resolves.toMatchObject({ outcome: 'expired' });
    await expect(session.gateway.approve(op, person('bob'))).rejects.toThrow(OperationFinished);
    const late = await terminal('bob', `approve ${op}`);
    expect(late.code).toBe(1);
    expect(late.text).toBe(`finished: ${op}: its approval window already expired; nothing was changed by this request`);
    expect(late.text).not.toMatch(/workflow execution|already completed|aborted by closing/i);

    // list: Temporal calls the run COMPLETED; the operation's own outcome is what people see.
    const listed = await terminal('alice', 'list');
    expect(listed.text).toMatch(new RegExp(`^EXPIRED\\s+${op.replace(/\//g, '\\/')}\\s`, 'm'));
  }, 120_000);

  it('GIVEN a change someone rejected WHEN another approver approves afterwards THEN they hear who rejected it and why', async () => {
    const op = (await session.gateway.startStackOperation('deploy-stack', 'late-rejected', 'dev', person('dave')))
      .operationId;
    await eventually(
      async () => ((await session.gateway.state(op)).phase === 'awaiting-approval' ? true : undefined),
      90_000,
      'approval wait',
    );
    const rejected = await terminal('bob', `reject ${op} because the NAT count is wrong`);
    expect(rejected.code).toBe(0); // the reject did what was asked
    const late = await terminal('alice', `approve ${op}`);
    expect(late.code).toBe(1);
    expect(late.text).toBe(
      `finished: ${op}: it was already rejected by bob (the NAT count is wrong); nothing was changed by this request`,
    );
    // The late attempt is in the audit trail next to the operation.
    const refused = (await session.gateway.audit(200)).filter(
      (r) => r.operationId === op && r.action === 'approval-refused' && r.actor === 'alice',
    );
    expect(refused).toHaveLength(1);
  }, 150_000);

  it('GIVEN the audit trail cannot be written WHEN someone asks for the status THEN it says what holds the operation up; once it can, the operation goes on', async () => {
    const op = (await session.gateway.startStackOperation('deploy-stack', 'held-audit', 'dev', person('alice')))
      .operationId;
    await eventually(
      async () => ((await session.gateway.state(op)).phase === 'awaiting-approval' ? true : undefined),
      90_000,
      'approval wait',
    );
    // The audit file becomes a folder: every append fails (as on a broken or full disk) until it is put back.
    const path = config.audit.path;
    renameSync(path, `${path}.aside`);
    mkdirSync(path);
    try {
      await session.gateway.approve(op, person('bob'));
      const held = await eventually(
        async () => {
          const r = await terminal('alice', `status ${op}`);
          return /HELD UP: recordAudit has failed \d+ time\(s\) and is being retried: .*EISDIR/.test(r.text)
            ? r
            : undefined;
        },
        60_000,
        'the status names the failing audit write',
      );
      expect(held.code).toBe(0);
    } finally {
      rmdirSync(path);
      renameSync(`${path}.aside`, path);
    }
    await expect(session.gateway.result(op)).resolves.toMatchObject({ outcome: 'succeeded' });
    expect((await terminal('alice', `status ${op}`)).text).not.toContain('HELD UP');
  }, 180_000);

  it('GIVEN an operation that finished WHEN the very same request arrives again THEN it is the same operation, not a second run', async () => {
    const alice = person('alice');
    const first = await session.gateway.startStackOperation('deploy-stack', 'late-duplicate', 'dev', alice);
    await eventually(
      async () => ((await session.gateway.state(first.operationId)).phase === 'awaiting-approval' ? true : undefined),
      90_000,
      'approval wait',
    );
    await session.gateway.cancel(first.operationId, alice);
    await expect(session.gateway.result(first.operationId)).resolves.toMatchObject({ outcome: 'cancelled' });
    // A retried delivery or a re-sent terminal command carries the same request id.
    const again = await session.gateway.startStackOperation('deploy-stack', 'late-duplicate', 'dev', alice);
    expect(again).toMatchObject({ operationId: first.operationId, duplicate: true });
    const runs: string[] = [];
    const client = await testClient(config);
    for await (const w of client.workflow.list({ query: `WorkflowId = "${first.operationId}"` })) runs.push(w.runId);
    await client.connection.close();
    expect(runs).toHaveLength(1);
    // A new request (another request id) may start it again.
    const fresh = await session.gateway.startStackOperation('deploy-stack', 'late-duplicate', 'dev', person('alice'));
    expect(fresh.duplicate).toBe(false);
    await session.gateway.cancel(fresh.operationId, person('alice'));
  }, 150_000);
});
