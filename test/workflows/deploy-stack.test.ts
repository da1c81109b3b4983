import type { Client } from '@temporalio/client';
import type { AppConfig } from '../../core/config';
import type { AuditRecord } from '../../core/audit';
import type { OperationState } from '../../core/operations';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const STACKS = {
  'logs-approve': 'stacks/audit-log-group.yaml',
  'logs-reject': 'stacks/audit-log-group.yaml',
  'logs-expire': 'stacks/audit-log-group.yaml',
  'logs-refuse': 'stacks/audit-log-group.yaml',
  'logs-cancel': 'stacks/audit-log-group.yaml',
  'logs-lock': 'stacks/audit-log-group.yaml',
  'logs-untagged': 'stacks/untagged-log-group.yaml',
  'logs-never-deployed': 'stacks/audit-log-group.yaml',
};

describe('deployStackWorkflow against the real Temporal server and the sandbox AWS endpoint', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  let session: GatewaySession;
  let client: Client;
  let aws: ReturnType<typeof awsClients>;

  beforeAll(async () => {
    config = withFixtureStacks(testConfig(), STACKS);
    // Short expiry in TST so the expiry path runs in seconds; DEV keeps the sandbox default.
    config = {
      ...config,
      environments: {
        ...config.environments,
        tst: { ...config.environments.tst, approval: { ...config.environments.tst.approval, expirySeconds: 3 } },
      },
    };
    worker = await startWorker(config);
    session = await openGateway(config, { pollMs: 100 });
    client = await testClient(config);
    aws = awsClients(config);
  });
  afterAll(async () => {
    aws.destroy();
    await client.connection.close();
    await session.close();
    await worker.stop();
  });

  const gw = () => session.gateway;
  const awaitingApproval = (op: string): Promise<OperationState> =>
    eventually(
      async () => {
        const s = await gw().state(op);
        return s.phase === 'awaiting-approval' || s.phase === 'done' ? s : undefined;
      },
      60_000,
      `${op} to await approval`,
    );
  const auditOf = async (op: string): Promise<AuditRecord[]> =>
    (await gw().audit(1000)).filter((r) => r.operationId === op);

  it('GIVEN a valid template WHEN a platform engineer approves THEN the stack and its log group exist and every step is audited', async () => {
    const alice = person('alice');
    const started = await gw().startStackOperation('deploy-stack', 'logs-approve', 'dev', alice);
    expect(started).toMatchObject({ operationId: 'stack/dev/logs-approve', duplicate: false });
    const pending = await awaitingApproval(started.operationId);
    expect(pending.preview?.changes.map((c) => `${c.action} ${c.logicalId} ${c.resourceType}`).sort()).toEqual([
      'Add AppLogGroup AWS::Logs::LogGroup',
      'Add LogKey AWS::KMS::Key',
    ]);
    expect(pending.preview?.artifactId).toMatch(
      /^arn:aws:cloudformation:us-east-1:123456789012:changeSet\/ia-[0-9a-f]{40}\//,
    );
    expect(await aws.stackStatus('infra-agent-dev-logs-approve')).toBe('REVIEW_IN_PROGRESS');

    await gw().approve(started.operationId, person('bob'), { artifactId: pending.preview!.artifactId });
    const done = await gw().result(started.operationId);
    expect(done).toMatchObject({ outcome: 'succeeded', stackStatus: 'CREATE_COMPLETE' });
    expect(done.approvals).toEqual([
      expect.objectContaining({ approver: 'bob', artifactId: pending.preview!.artifactId }),
    ]);

    expect(await aws.stackStatus('infra-agent-dev-logs-approve')).toBe('CREATE_COMPLETE');
    const group = await aws.logGroup('/infra-agent/dev/infra-agent-dev-logs-approve');
    expect(group?.retentionInDays).toBe(365);
    expect(group?.kmsKeyId).toMatch(/^arn:aws:kms:/);
    const actions = (await auditOf(started.operationId)).map((r) => `${r.action}:${r.actor}`);
    expect(actions).toEqual([
      'requested:alice',
      'validated:infra-agent',
      'previewed:infra-agent',
      'approved:bob',
      'executed:infra-agent',
      'completed:infra-agent',
    ]);
    // Just-in-time access (M4): the change ran as the approver under the environment's deploy role.
    const executed = (await auditOf(started.operationId)).find((r) => r.action === 'executed');
    expect(executed?.details).toMatchObject({
      assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/infra-agent-deploy-dev/infra-agent-bob',
      sourceIdentity: 'bob',
    });
    await replayAndMaybeRecord(client, started.operationId, 'deploy-approved');

    // The same template again: CloudFormation reports no changes, which is an outcome, not an error.
    const again = await gw().startStackOperation('deploy-stack', 'logs-approve', 'dev', person('alice'));
    const second = await gw().result(again.operationId);
    expect(second).toMatchObject({
      outcome: 'no-changes',
      message: expect.stringContaining('already matches the template'),
    });
    await replayAndMaybeRecord(client, again.operationId, 'deploy-no-changes');
  });

  it('GIVEN a pending change WHEN an approver rejects it THEN no stack is left and the change set is gone', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'logs-reject', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await gw().reject(op, person('bob'), 'wrong retention');
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'rejected', rejection: { by: 'bob', reason: 'wrong retention' } });
    expect(await aws.stackStatus('infra-agent-dev-logs-reject')).toBeUndefined();
    expect(await aws.changeSetExists('infra-agent-dev-logs-reject', pending.preview!.changeSetName!)).toBe(false);
    expect((await auditOf(op)).map((r) => r.action)).toContain('rejected');
    await replayAndMaybeRecord(client, op, 'deploy-rejected');
  });

  it('GIVEN nobody approves WHEN the expiry passes THEN it fails closed: change discarded, requester told', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'logs-expire', 'tst', person('alice'))).operationId;
    const done = await gw().result(op);
    expect(done).toMatchObject({ outcome: 'expired', message: 'no approval within 3s; the change was discarded' });
    expect(await aws.stackStatus('infra-agent-tst-logs-expire')).toBeUndefined();
    expect((await auditOf(op)).map((r) => r.action)).toEqual(['requested', 'validated', 'previewed', 'expired']);
    await replayAndMaybeRecord(client, op, 'deploy-expired');
  });

  it('GIVEN the requester or a non-approver tries to approve THEN both are refused, audited, and the change still waits', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'logs-refuse', 'dev', person('alice'))).operationId;
    const pending = await awaitingApproval(op);
    await expect(gw().approve(op, person('alice'))).rejects.toThrow(
      'you requested this change: someone else must approve it',
    );
    await expect(gw().approve(op, person('dave'))).rejects.toThrow('dave may not approve in this environment');
    await expect(
      gw().approve(op, person('bob'), {
        artifactId: 'arn:aws:cloudformation:us-east-1:123456789012:changeSet/other/1',
      }),
    ).rejects.toThrow(/is not the one awaiting approval/);
    const refused = (await auditOf(op)).filter((r) => r.action === 'approval-refused');
    expect(refused.map((r) => r.actor)).toEqual(['alice', 'dave', 'bob']);
    expect((await gw().state(op)).approvals).toEqual([]);
    // Temporal's history holds no trace of the refused updates: only the audit trail does.
    const history = await client.workflow.getHandle(op).fetchHistory();
    expect(JSON.stringify(history.events)).not.toContain('"dave"');
    await gw().approve(op, person('bob'), { artifactId: pending.preview!.artifactId });
    expect((await gw().result(op)).outcome).toBe('succeeded');
  });

  it('GIVEN an operation holds the stack WHEN someone else asks for it THEN they are told who holds it; a duplicate delivery gets the same operation', async () => {
    const alice = person('alice');
    const first = await gw().startStackOperation('deploy-stack', 'logs-lock', 'dev', alice);
    const duplicate = await gw().startStackOperation('deploy-stack', 'logs-lock', 'dev', alice);
    expect(duplicate).toMatchObject({ operationId: first.operationId, duplicate: true });
    await expect(gw().startStackOperation('deploy-stack', 'logs-lock', 'dev', person('carol'))).rejects.toThrow(
      /stack\/dev\/logs-lock is busy: alice started an operation on it at .* \(status: RUNNING\)/,
    );
    await awaitingApproval(first.operationId);
    await gw().cancel(first.operationId, alice);
    expect((await gw().result(first.operationId)).outcome).toBe('cancelled');
  });

  it('GIVEN a pending change WHEN the requester cancels THEN nothing is created; cancelling after approval is refused', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'logs-cancel', 'dev', person('alice'))).operationId;
    await awaitingApproval(op);
    await expect(gw().cancel(op, person('dave'))).rejects.toThrow('dave may not cancel');
    await gw().cancel(op, person('alice'));
    expect(await gw().result(op)).toMatchObject({
      outcome: 'cancelled',
      message: 'cancelled by alice; nothing was changed',
    });
    expect(await aws.stackStatus('infra-agent-dev-logs-cancel')).toBeUndefined();
    await replayAndMaybeRecord(client, op, 'deploy-cancelled');
  });

  it('GIVEN a template that breaks NIST rules WHEN deployed THEN validation stops it before any change set', async () => {
    const op = (await gw().startStackOperation('deploy-stack', 'logs-untagged', 'dev', person('alice'))).operationId;
    const done = await gw().result(op);
    expect(done.outcome).toBe('validation-failed');
    expect(done.findings.some((f) => f.rule === 'MandatoryTags' || f.control === 'CM-8')).toBe(true);
    expect(done.findings.some((f) => f.control === 'SC-28')).toBe(true);
    expect(await aws.stackStatus('infra-agent-dev-logs-untagged')).toBeUndefined();
    await replayAndMaybeRecord(client, op, 'deploy-validation-failed');
  });

  it('GIVEN a deployed stack WHEN deletion is approved THEN the stack is gone; the requester cannot approve their own delete', async () => {
    const op = (await gw().startStackOperation('delete-stack', 'logs-approve', 'dev', person('carol'))).operationId;
    const pending = await awaitingApproval(op);
    expect(pending.preview?.changes.map((c) => c.action)).toEqual(['Remove', 'Remove']);
    await expect(gw().approve(op, person('carol'))).rejects.toThrow(
      'you requested this change: someone else must approve it',
    );
    await expect(gw().approve(op, person('dave'))).rejects.toThrow(/dave may not approve/);
    await gw().approve(op, person('alice'));
    expect(await gw().result(op)).toMatchObject({ outcome: 'succeeded', stackStatus: 'DELETE_COMPLETE' });
    expect(await aws.stackStatus('infra-agent-dev-logs-approve')).toBeUndefined();
    await replayAndMaybeRecord(client, op, 'delete-approved');
  });

  it('GIVEN a stack that does not exist WHEN its deletion is requested THEN the operation ends failed with the reason, audited', async () => {
    const op = (await gw().startStackOperation('delete-stack', 'logs-never-deployed', 'dev', person('alice')))
      .operationId;
    const done = await gw().result(op);
    expect(done).toMatchObject({
      phase: 'done',
      outcome: 'failed',
      message: expect.stringMatching(
        /^failed while creating change set: stack infra-agent-dev-logs-never-deployed does not exist/,
      ),
    });
    const failed = (await auditOf(op)).filter((r) => r.action === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ reason: expect.stringContaining('does not exist') }),
      }),
    ]);
    await replayAndMaybeRecord(client, op, 'delete-failed');
  });

  it('GIVEN someone not in the config WHEN they ask for a deploy THEN it is refused and nothing starts', async () => {
    const stranger = {
      userId: 'unknown:mallory',
      displayName: 'mallory',
      via: 'cli' as const,
      requestId: 'r-stranger',
    };
    await expect(gw().startStackOperation('deploy-stack', 'logs-never-deployed', 'tst', stranger)).rejects.toThrow(
      'mallory is not a known user, so deploy-stack is refused (read-only commands still work)',
    );
    await expect(client.workflow.getHandle('stack/tst/logs-never-deployed').describe()).rejects.toThrow(/not found/i);
  });
});
