/**
 * Approved drift remediation end to end on the real servers: a stack deployed on the sandbox's moto, an ingress rule
 * added through moto's EC2 API behind the product's back, the scheduled drift check's alert in the fake Slack's
 * alerts channel, Remediate clicked there (signed payload) → `remediate <stack> dev` for the clicker through the one
 * dispatcher → a drift-aware (REVERT_DRIFT) change set on the approval card → the clicker cannot approve, another
 * user does → executed once → drift re-check clean → the alert resolved and its thread says so.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ChangeSetRef } from '../../activities/iac/cloudformation';
import { createCloudFormationActivities } from '../../activities/iac/cloudformation';
import { createAwsClientFactory } from '../../adapters/aws/clients';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import type { Requester } from '../../core/requester';
import { ActionIds } from '../../presentation/slack/ids';
import { renderResult } from '../../presentation/text/result';
import { scheduledDriftInput } from '../../worker/schedules';
import { scheduledDriftWorkflow, stackDriftWorkflow } from '../../workflows';
import type { ScheduledDriftResult } from '../../workflows/alerts';
import { awsClients } from '../support/aws';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { StoredMessage } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned } from '../support/fake-slack/signed';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const APP = `remedy-${suffix}`;
const KEY = `drift/dev/${APP}`;
const OP = `stack/dev/${APP}`;
const STACK_NAME = `infra-agent-dev-${APP}`;
const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'stacks', 'drift-app.yaml'), 'utf8');
const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
const STRANGER: SlackPerson = { userId: 'U0NOBODY9', teamId: 'T0SANDBOX' };
const FORM = 'application/x-www-form-urlencoded';

let fake: FakeSlack;
let config: AppConfig;
let worker: RunningWorker;
let bot: RunningBot;
let client: Client;
let aws: ReturnType<typeof awsClients>;
let ec2: EC2Client;
let groupId = '';
let alerts = '';

const ssh = () => ({
  GroupId: groupId,
  IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
});

async function scheduledCheck(): Promise<ScheduledDriftResult> {
  return client.workflow.execute(scheduledDriftWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: `test-remediate-drift-${randomBytes(4).toString('hex')}`,
    args: [scheduledDriftInput(config, 'dev')],
    workflowExecutionTimeout: '5m',
  });
}

const topLevel = (): StoredMessage[] => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(KEY));
const replies = (ts: string): StoredMessage[] => fake.messagesIn(alerts).filter((m) => m.threadTs === ts);

async function run(line: string, who: Requester): Promise<CommandResult> {
  const parsed = bot.session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return bot.session.gateway.execute(parsed.command, who);
}

async function click(who: SlackPerson, ts: string): Promise<void> {
  const res = await postSigned(
    bot.url,
    SIGNING_SECRET,
    buttonClickBody(who, ActionIds.alertRemediate, KEY, alerts, ts, fake.responseUrl('act')),
    FORM,
  );
  expect(res.status).toBe(200);
}

const awaitingApproval = (): Promise<OperationState> =>
  eventually(
    async () => {
      const s = await bot.session.gateway.state(OP).catch(() => undefined);
      return s && (s.phase === 'awaiting-approval' || s.phase === 'done') ? s : undefined;
    },
    60_000,
    `${OP} to await approval`,
  );

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(withFixtureStacks(testConfig(), { [APP]: 'stacks/drift-app.yaml' }), fake);
  config = { ...base, stacks: { [APP]: base.stacks[APP]! }, drift: { ignore: [], concurrency: 2, pollMs: 100 } };
  alerts = config.environments.dev.slack.alertsChannel!;
  worker = await startWorker(config);
  bot = await startBot(config);
  client = await testClient(config);
  aws = awsClients(config);
  ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await aws.cfn.send(
    new CreateStackCommand({
      StackName: STACK_NAME,
      TemplateBody: FIXTURE,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'Environment', ParameterValue: 'dev' },
        { ParameterKey: 'IaCVersion', ParameterValue: '0123456789abcdef' },
      ],
    }),
  );
  const resources = await aws.resources(STACK_NAME);
  groupId = resources.find((r) => r.LogicalResourceId === 'AppSecurityGroup')?.PhysicalResourceId ?? '';
}, 120_000);

afterAll(async () => {
  await aws?.cfn.send(new DeleteStackCommand({ StackName: STACK_NAME })).catch(() => undefined);
  await bot?.stop();
  await client?.connection.close();
  await worker?.stop();
  await fake?.stop();
  aws?.destroy();
  ec2?.destroy();
});

describe('remediate a drifted stack through an approved drift-reverting change set', () => {
  test('GIVEN a stack in sync WHEN alice asks to remediate it THEN she is told nothing drifted, and nothing is started', async () => {
    const r = await run(`remediate ${APP} dev`, person('alice'));
    expect(r).toMatchObject({ kind: 'drift', remediation: 'nothing-drifted', report: { status: 'IN_SYNC' } });
    expect(renderResult({ name: 'remediate-stack', stack: APP, env: 'dev' }, r, 'alice').text).toContain(
      `nothing to remediate, nothing started: [dev] ${APP} in dev: in sync`,
    );
    // The stack's operation id is this file's own (a random stack name): no operation ran on it.
    await expect(client.workflow.getHandle(OP).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  });

  test('GIVEN someone not in the user list WHEN they ask to remediate THEN refused before anything runs', async () => {
    await expect(run(`remediate ${APP} dev`, person('mallory'))).rejects.toMatchObject({
      name: 'PermissionDenied',
      policy: 'unknown-user',
    });
  });

  test('GIVEN an ingress rule added by hand WHEN Remediate is clicked on the alert and another user approves THEN the rule is gone, the re-check is clean and the alert thread says so', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(ssh()));
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ stack: APP, action: 'post' });
    const alert = topLevel()[0]!;
    expect(JSON.stringify(alert.blocks)).toContain(ActionIds.alertRemediate);
    expect(alert.text).toContain(`drift alert ${KEY}`);
    expect(blockKitViolations(alert.blocks)).toEqual([]);

    // Someone not in the user list: told why, nothing started.
    const whispers = fake.callsOf('chat.postEphemeral').length;
    await click(STRANGER, alert.ts);
    const refusal = await poll(() => fake.callsOf('chat.postEphemeral').slice(whispers)[0], 20_000, 'refusal');
    expect(String(refusal.args.text)).toContain('not a known user');

    // Bob clicks Remediate: the operation is his, reported in the alert's thread, with the drift on its card.
    await click(BOB, alert.ts);
    const pending = await awaitingApproval();
    expect(pending).toMatchObject({
      kind: 'remediate-stack',
      phase: 'awaiting-approval',
      requester: { userId: 'bob' },
    });
    expect(pending.preview?.changes.map((c) => `${c.action} ${c.logicalId}`)).toEqual(['Modify AppSecurityGroup']);
    const revert = pending.preview?.changes[0]?.revert ?? [];
    expect(revert).toHaveLength(1);
    expect(revert[0]).toMatch(
      /^\/SecurityGroupIngress\/1: \{"CidrIp":"0\.0\.0\.0\/0","FromPort":22,.*\} → \(none\) {2}\(remove\)$/,
    );
    const card = await poll(
      () => replies(alert.ts).find((m) => JSON.stringify(m.blocks).includes(ActionIds.approve)),
      30_000,
      'the approval card in the alert thread',
    );
    expect(JSON.stringify(card.blocks)).toContain('/SecurityGroupIngress/1');
    expect(card.text).toContain('Remediate drift of');
    expect(blockKitViolations(card.blocks)).toEqual([]);

    // The person who clicked Remediate cannot approve it; alice can.
    await expect(
      bot.session.gateway.approve(OP, person('bob'), { artifactId: pending.preview!.artifactId }),
    ).rejects.toThrow('you requested this change: someone else must approve it');
    await bot.session.gateway.approve(OP, person('alice'), { artifactId: pending.preview!.artifactId });
    const done = await bot.session.gateway.result(OP);
    expect(done).toMatchObject({ outcome: 'succeeded', stackStatus: 'UPDATE_COMPLETE' });
    expect(done.message).toContain('drift re-check: in sync');

    const group = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(group.SecurityGroups?.[0]?.IpPermissions?.map((p) => `${p.FromPort} ${p.IpRanges?.[0]?.CidrIp}`)).toEqual([
      '443 10.100.0.0/16',
    ]);
    const resolved = await poll(() => replies(alert.ts).find((m) => m.text.includes('resolved')), 30_000, 'resolved');
    expect(resolved.text).toContain(`${APP} in dev: in sync`);
    const note = await poll(() => replies(alert.ts).find((m) => m.text.includes(`remediation ${OP}`)), 30_000, 'note');
    expect(note.text).toContain('approved by alice');
    expect(note.text).toContain('drift re-check: in sync');
    expect(JSON.stringify(topLevel()[0]!.blocks)).not.toContain(ActionIds.alertRemediate);

    const records = (await createJsonlAuditLog(config.audit.path).tail(500)).filter((a) => a.operationId === OP);
    expect(records.map((a) => `${a.action}:${a.actor}`)).toEqual(
      expect.arrayContaining([
        'requested:bob',
        'approved:alice',
        'executed:infra-agent',
        'drift-rechecked:infra-agent',
      ]),
    );
    expect(records.find((a) => a.action === 'executed')?.details).toMatchObject({ revertDrift: true });
    await replayAndMaybeRecord(client, OP, 'remediate-succeeded');

    // Idempotent: an execute retried after the change set ran (a lost answer) is success, not a second run.
    const acts = createCloudFormationActivities({ aws: createAwsClientFactory(config.aws), infraDir: config.infraDir });
    const retried = await new MockActivityEnvironment({
      attempt: 2,
      workflowExecution: { workflowId: OP, runId: 'retry' },
    }).run<[ChangeSetRef], { alreadyExecuted: boolean }, typeof acts.executeChangeSet>(
      (ref) => acts.executeChangeSet(ref),
      { region: 'us-east-1', stackName: STACK_NAME, changeSetName: pending.preview!.artifactId },
    );
    expect(retried.alreadyExecuted).toBe(true);

    // The next scheduled check is clean and says nothing.
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'none' });
  });

  test('GIVEN a drift check of the stack is running WHEN remediation is asked for THEN refused as busy, naming the check', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(ssh()));
    // A check that polls CloudFormation every 30 s: running for a while, on this file's own stack.
    const slow = await client.workflow.start(stackDriftWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `drift/dev/${APP}/slow-${suffix}`,
      args: [
        { environment: 'dev', region: 'us-east-1', ignore: [], pollMs: 30_000, stack: APP, stackName: STACK_NAME },
      ],
    });
    try {
      await expect(run(`remediate ${APP} dev`, person('alice'))).rejects.toMatchObject({
        name: 'OperationConflict',
        message: expect.stringContaining(`a drift check of ${APP} in dev is running (drift/dev/${APP}/slow-${suffix}`),
      });
    } finally {
      await slow.terminate('test done');
    }
  });

  test('GIVEN a remediation waits for approval WHEN another remediation or a drift check is asked for THEN refused as busy', async () => {
    const first = await run(`remediate ${APP} dev`, person('alice'));
    expect(first).toMatchObject({ kind: 'started', started: { operationId: OP } });
    await awaitingApproval();
    await expect(run(`remediate ${APP} dev`, person('bob'))).rejects.toMatchObject({
      name: 'OperationConflict',
      message: expect.stringContaining(`${OP} is busy`),
    });
    await expect(run(`drift ${APP} dev`, person('bob'))).rejects.toMatchObject({ name: 'OperationConflict' });
    await bot.session.gateway.reject(OP, person('bob'), 'fixing it by hand instead');
    expect(await bot.session.gateway.result(OP)).toMatchObject({ outcome: 'rejected' });
    await replayAndMaybeRecord(client, OP, 'remediate-rejected');
  });
});
