/**
 * `drift {stack} {env}` and `drift all {env}`: gateway → read workflow → drift activity → CloudFormation's drift API
 * on the sandbox's moto (with the extension's drift detection), against a stack changed through the EC2/IAM/Logs
 * APIs behind the product's back. What a user sees: the rendered report (terminal and Slack words).
 */
import { randomBytes } from 'node:crypto';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { DeleteLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AuthorizeSecurityGroupIngressCommand, DeleteTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { EnvironmentDriftReport, StackDriftReport } from '../../core/drift/report';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningWorker } from '../support/sandbox';
import { eventually, person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const APP = `drift-app-${suffix}`;
const NEVER = `drift-never-${suffix}`;
const GONE = `drift-gone-${suffix}`;
const BUSY = `drift-busy-${suffix}`;
const stackName = (s: string): string => `infra-agent-dev-${s}`;
const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'stacks', 'drift-app.yaml'), 'utf8');

let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let aws: ReturnType<typeof awsClients>;
let ec2: EC2Client;
let iam: IAMClient;
const alice = person('alice');

async function run(line: string, who = alice, requestId = randomBytes(6).toString('hex')): Promise<CommandResult> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return session.gateway.execute(parsed.command, { ...who, requestId });
}

async function stackReport(line: string, requestId?: string): Promise<StackDriftReport> {
  const r = await run(line, alice, requestId);
  if (r.kind !== 'drift' || r.report.kind !== 'stack') throw new Error(`not a stack drift report: ${r.kind}`);
  return r.report;
}

async function createStack(name: string): Promise<string> {
  await aws.cfn.send(
    new CreateStackCommand({
      StackName: stackName(name),
      TemplateBody: FIXTURE,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'Environment', ParameterValue: 'dev' },
        { ParameterKey: 'IaCVersion', ParameterValue: '0123456789abcdef' },
      ],
    }),
  );
  const resources = await aws.resources(stackName(name));
  return resources.find((r) => r.LogicalResourceId === 'AppSecurityGroup')?.PhysicalResourceId ?? '';
}

beforeAll(async () => {
  const base = withFixtureStacks(testConfig(), {
    [APP]: 'stacks/drift-app.yaml',
    [NEVER]: 'stacks/drift-app.yaml',
    [GONE]: 'stacks/drift-app.yaml',
    [BUSY]: 'stacks/audit-log-group.yaml',
  });
  config = {
    ...base,
    // Stacks only: `drift all` checks the catalog's services and releases too, and this sandbox runs no cluster.
    services: {},
    releases: {},
    drift: {
      ignore: [
        {
          name: 'log-retention',
          resourceType: 'AWS::Logs::LogGroup',
          path: '/RetentionInDays',
          reason: 'retention is set by the log archiver',
        },
      ],
      concurrency: 3,
      pollMs: 100,
    },
  };
  worker = await startWorker(config);
  session = await openGateway(config);
  aws = awsClients(config);
  const opts = {
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  ec2 = new EC2Client(opts);
  iam = new IAMClient(opts);
}, 120_000);

afterAll(async () => {
  for (const s of [APP, GONE, BUSY]) await aws.cfn.send(new DeleteStackCommand({ StackName: stackName(s) }));
  await session?.close();
  await worker?.stop();
  aws?.destroy();
  ec2?.destroy();
  iam?.destroy();
});

describe('drift of a stack changed behind the product', () => {
  let groupId = '';
  let first: StackDriftReport;

  test('GIVEN a freshly deployed stack WHEN drift THEN every resource is in sync', async () => {
    groupId = await createStack(APP);
    const report = await stackReport(`drift ${APP} dev`);
    expect(report.status).toBe('IN_SYNC');
    expect(report.resources.map((r) => `${r.logicalId} ${r.status}`).sort()).toEqual([
      'AppLogGroup IN_SYNC',
      'AppRole IN_SYNC',
      'AppSecurityGroup IN_SYNC',
    ]);
    expect(report.fingerprint).toBe('in-sync');
    expect(report.summary).toBe(`${APP} in dev: in sync — 3 resources checked`);
  });

  test('GIVEN an ingress rule added, a tag removed, a policy widened and retention changed WHEN drift THEN each is reported with its path; the ignored one with its reason', async () => {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    await ec2.send(new DeleteTagsCommand({ Resources: [groupId], Tags: [{ Key: 'Owner' }] }));
    const roleName = `${stackName(APP)}-app`;
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'read-own-logs' }));
    const doc = JSON.parse(decodeURIComponent(policy.PolicyDocument ?? '{}')) as { Statement: { Action: string[] }[] };
    doc.Statement[0]?.Action.push('logs:*');
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'read-own-logs',
        PolicyDocument: JSON.stringify(doc),
      }),
    );
    await aws.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: `/infra-agent/dev/${stackName(APP)}`, retentionInDays: 7 }),
    );

    const requestId = randomBytes(6).toString('hex');
    first = await stackReport(`drift ${APP} dev`, requestId);
    await replayAndMaybeRecord(await testClient(config), `drift/dev/${APP}/${requestId}`, 'drift-stack-drifted');
    expect(first.status).toBe('DRIFTED');
    const byId = new Map(first.resources.map((r) => [r.logicalId, r]));
    expect(byId.get('AppSecurityGroup')?.differences).toEqual([
      {
        path: '/SecurityGroupIngress/1',
        type: 'ADD',
        expected: 'null',
        actual: '{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}',
      },
      { path: '/Tags/1', type: 'REMOVE', expected: '{"Key":"Owner","Value":"platform-team"}', actual: 'null' },
    ]);
    expect(byId.get('AppRole')?.differences).toEqual([
      { path: '/Policies/0/PolicyDocument/Statement/0/Action/2', type: 'ADD', expected: 'null', actual: 'logs:*' },
    ]);
    // Ignored by the configured rule: reported aside with the reason, and the log group counts as in sync.
    expect(byId.get('AppLogGroup')).toMatchObject({
      status: 'IN_SYNC',
      differences: [],
      ignored: [
        {
          path: '/RetentionInDays',
          expected: '90',
          actual: '7',
          rule: 'log-retention',
          reason: 'retention is set by the log archiver',
        },
      ],
    });
    expect(first.summary).toBe(`${APP} in dev: DRIFTED — 2 modified (3 differences; 1 ignored)`);

    const text = renderResult(
      { name: 'drift-stack', stack: APP, env: 'dev' },
      { kind: 'drift', report: first },
      'alice',
    );
    expect(text.ok).toBe(false);
    expect(text.text).toContain(
      '+ /SecurityGroupIngress/1: (none) → {"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}  (added outside the template)',
    );
    expect(text.text).toContain('- /Tags/1: {"Key":"Owner","Value":"platform-team"} → (none)  (removed)');
    expect(text.text).toContain(
      'AppLogGroup /RetentionInDays: 90 → 7 — log-retention: retention is set by the log archiver',
    );
    expect(text.text).toContain(
      'who changed it: who made the change is not known: infra-agent does not read CloudTrail',
    );
    expect(text.text).toContain(`drift id ${first.fingerprint}`);
    const slack = renderSlackResult(
      { name: 'drift-stack', stack: APP, env: 'dev' },
      { kind: 'drift', report: first },
      'C1',
    );
    expect(slack.text).toContain(':warning:');
    expect(JSON.stringify(slack.blocks)).toContain('/Policies/0/PolicyDocument/Statement/0/Action/2');
  });

  test('GIVEN the same drift WHEN checked again THEN the fingerprint is the same; a further change gives a new one', async () => {
    const again = await stackReport(`drift stack ${APP} in dev`);
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(again.checkedAt >= first.checkedAt).toBe(true);

    await aws.logs.send(new DeleteLogGroupCommand({ logGroupName: `/infra-agent/dev/${stackName(APP)}` }));
    const changed = await stackReport(`drift ${APP} dev`);
    expect(changed.resources.find((r) => r.logicalId === 'AppLogGroup')?.status).toBe('DELETED');
    expect(changed.fingerprint).not.toBe(first.fingerprint);
  });
});

describe('drift: what cannot be checked says why', () => {
  test('GIVEN a stack not in the catalog WHEN drift THEN the grammar names the known stacks', () => {
    const parsed = session.gateway.parse('drift no-such-stack dev');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain("'no-such-stack'");
  });

  test('GIVEN an unknown environment WHEN drift THEN it is refused by the grammar', () => {
    const parsed = session.gateway.parse(`drift ${APP} staging`);
    expect(parsed.ok).toBe(false);
  });

  test('GIVEN a catalog stack never deployed WHEN drift THEN it says so and how to deploy it', async () => {
    await expect(run(`drift ${NEVER} dev`)).rejects.toThrow(
      `stack: ${NEVER} has never been deployed in dev (no stack ${stackName(NEVER)}); deploy it with \`deploy stack ${NEVER} to dev\``,
    );
  });

  test('GIVEN a deleted stack WHEN drift THEN it says when it was deleted', async () => {
    await createStack(GONE);
    await aws.cfn.send(new DeleteStackCommand({ StackName: stackName(GONE) }));
    await expect(run(`drift ${GONE} dev`)).rejects.toThrow(
      // moto's ListStacks gives no DeletionTime (AWS does: then the message says when)
      `stack: ${GONE} (${stackName(GONE)}) was deleted; there is nothing to check for drift — deploy it with \`deploy stack ${GONE} to dev\``,
    );
  });

  test('GIVEN a deploy waiting for approval on the stack WHEN drift THEN it is refused as busy, not raced', async () => {
    const started = await run(`deploy stack ${BUSY} to dev`);
    if (started.kind !== 'started') throw new Error(started.kind);
    const op = started.started.operationId;
    await eventually(
      async () => ((await session.gateway.state(op)).phase === 'awaiting-approval' ? true : undefined),
      60_000,
      'approval wait',
    );
    await expect(run(`drift ${BUSY} dev`)).rejects.toMatchObject({
      name: 'OperationConflict',
      message: expect.stringContaining(`stack/dev/${BUSY} (deployStackWorkflow, started `),
    });
    const allId = randomBytes(6).toString('hex');
    const all = await run('drift all dev', alice, allId);
    await replayAndMaybeRecord(await testClient(config), `drift/dev/all/${allId}`, 'drift-all-some-unchecked');
    if (all.kind !== 'drift' || all.report.kind !== 'environment') throw new Error('not an environment report');
    const env: EnvironmentDriftReport = all.report;
    expect(env.unchecked.find((u) => u.stack === BUSY)).toMatchObject({ kind: 'busy' });
    expect(env.unchecked.find((u) => u.stack === NEVER)).toMatchObject({
      kind: 'absent',
      reason: expect.stringContaining('has never been deployed'),
    });
    expect(env.stacks.find((s) => s.stack === APP)?.status).toBe('DRIFTED');
    expect(env.summary).toContain(`drifted (${APP})`);
    await session.gateway.cancel(op, alice);
  });

  test('GIVEN a person not in the user list WHEN drift THEN refused: drift reports are for known users', async () => {
    await expect(run(`drift ${APP} dev`, person('mallory'))).rejects.toMatchObject({ name: 'PermissionDenied' });
  });
});
