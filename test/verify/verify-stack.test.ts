/**
 * `verify {stack} {env}` on the real servers: gateway → read workflow → readStackVerification on the sandbox's moto
 * (DescribeStacks, GetTemplate, DescribeStackResources, EC2 lookups) → the report people read in the terminal and
 * in Slack; a failing verification alerts in the fake Slack's alerts channel. Bad input: unknown stack and
 * environment, a stack never deployed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { DeleteSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { VerifyReport } from '../../core/verify/report';
import { renderSlackResult } from '../../presentation/slack/result';
import { renderResult } from '../../presentation/text/result';
import type { GatewaySession } from '../../worker/client-compose';
import { openGateway } from '../../worker/client-compose';
import { awsClients } from '../support/aws';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { withFakeSlack } from '../support/fake-slack/bot-harness';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testConfig, withFixtureStacks } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const APP = `verify-app-${suffix}`;
const NEVER = `verify-never-${suffix}`;
const stackName = (s: string): string => `infra-agent-dev-${s}`;
const FIXTURE = readFileSync(join(__dirname, '..', 'fixtures', 'stacks', 'drift-app.yaml'), 'utf8');

let fake: FakeSlack;
let config: AppConfig;
let worker: RunningWorker;
let session: GatewaySession;
let aws: ReturnType<typeof awsClients>;
let ec2: EC2Client;
let alerts = '';
// Verification shows no secret: anyone who can reach the bot may run it, known to the config or not.
const stranger = person('U0STRANGER');

async function run(line: string): Promise<CommandResult> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  return session.gateway.execute(parsed.command, { ...stranger, requestId: randomBytes(6).toString('hex') });
}

async function verify(line: string): Promise<{ report: VerifyReport; text: string; ok: boolean; slack: string }> {
  const parsed = session.gateway.parse(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await run(line);
  if (r.kind !== 'verify') throw new Error(`not a verification: ${r.kind}`);
  const { text, ok } = renderResult(parsed.command, r, stranger.userId);
  const slack = renderSlackResult(parsed.command, r, 'C0OPS');
  expect(blockKitViolations(slack.blocks)).toEqual([]);
  return { report: r.report, text, ok, slack: JSON.stringify(slack.blocks) };
}

const alertsAbout = (key: string) => fake.messagesIn(alerts).filter((m) => !m.threadTs && m.text.includes(key));

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(
    withFixtureStacks(testConfig(), { [APP]: 'stacks/drift-app.yaml', [NEVER]: 'stacks/drift-app.yaml' }),
    fake,
  );
  config = { ...base, services: {}, releases: {} };
  alerts = config.environments.dev.slack.alertsChannel!;
  worker = await startWorker(config);
  session = await openGateway(config);
  aws = awsClients(config);
  ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await aws.cfn.send(
    new CreateStackCommand({
      StackName: stackName(APP),
      TemplateBody: FIXTURE,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: [
        { ParameterKey: 'Environment', ParameterValue: 'dev' },
        { ParameterKey: 'IaCVersion', ParameterValue: '0123456789abcdef' },
      ],
    }),
  );
  await aws.resources(stackName(APP));
}, 120_000);

afterAll(async () => {
  await aws?.cfn.send(new DeleteStackCommand({ StackName: stackName(APP) })).catch(() => undefined);
  await session?.close();
  await worker?.stop();
  await fake?.stop();
  aws?.destroy();
  ec2?.destroy();
});

describe('verify {stack} {env}', () => {
  test('GIVEN a deployed stack WHEN anyone verifies it THEN every check passes and no alert is raised', async () => {
    const { report, text, ok, slack } = await verify(`verify ${APP} dev`);
    expect(report.status).toBe('PASSED');
    expect(ok).toBe(true);
    expect(text).toContain(`[dev] verify stack ${APP} in dev: PASSED`);
    expect(text).toContain(stackName(APP));
    expect(text).toMatch(/passed {2}stack status: CREATE_COMPLETE/);
    for (const id of ['AppSecurityGroup', 'AppLogGroup', 'AppRole'])
      expect(text).toMatch(new RegExp(`passed  resource ${id} \\(AWS::[A-Za-z0-9:]+\\): CREATE_COMPLETE`));
    expect(text).toContain('passed  output GroupId: present');
    expect(text).toMatch(/passed {2}live AppSecurityGroup \(AWS::EC2::SecurityGroup\): sg-[0-9a-f]+ exists in EC2/);
    expect(slack).toContain(':white_check_mark:');
    expect(alertsAbout(`verify/dev/${APP}`)).toEqual([]);
  });

  test('GIVEN its security group deleted outside infra-agent WHEN verified THEN that check fails and on call is alerted once', async () => {
    const resources = await aws.resources(stackName(APP));
    const groupId = resources.find((r) => r.LogicalResourceId === 'AppSecurityGroup')?.PhysicalResourceId ?? '';
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));

    const { report, text, ok, slack } = await verify(`verify stack ${APP} in dev`);
    expect(report.status).toBe('FAILED');
    expect(ok).toBe(false);
    expect(text).toContain(`verify stack ${APP} in dev: FAILED — 1 of`);
    expect(text).toContain(`FAILED  live AppSecurityGroup (AWS::EC2::SecurityGroup): ${groupId} is not found in EC2`);
    // Failed checks come first: the reader sees what is wrong before what is fine.
    expect(text.split('\n')[1]).toContain('FAILED');
    expect(slack).toContain(':x:');

    const key = `verify/dev/${APP}`;
    const posted = await poll(() => {
      const m = alertsAbout(key);
      return m.length ? m : undefined;
    }, 30_000);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.text).toContain(`verify alert ${key}`);
    expect(JSON.stringify(posted[0]!.blocks)).toContain(`${groupId} is not found in EC2`);

    // The same failure again: the alert is not posted twice.
    await verify(`verify ${APP} dev`);
    expect(alertsAbout(key)).toHaveLength(1);
  });

  test('GIVEN a catalog stack never deployed WHEN verified THEN the answer says not deployed, naming stack and env', async () => {
    const { report, text, ok, slack } = await verify(`verify ${NEVER} dev`);
    expect(report.status).toBe('NOT_DEPLOYED');
    expect(ok).toBe(false);
    expect(text).toBe(
      `[dev] verify stack ${NEVER} in dev: NOT DEPLOYED — ${stackName(NEVER)} (stack ${NEVER}) has never been deployed to dev (${stackName(NEVER)})`,
    );
    expect(slack).toContain(':grey_question:');
    expect(alertsAbout(`verify/dev/${NEVER}`)).toEqual([]);
  });

  test('GIVEN an unknown stack or environment WHEN verified THEN the refusal names what is known', async () => {
    await expect(run('verify no-such-stack dev')).rejects.toThrow(
      /verify \{stack\} \{env\}: stack: 'no-such-stack' is not a known stack\. Known stacks: .*verify-app-/,
    );
    const bad = session.gateway.parse(`verify ${APP} qa`);
    expect(bad).toMatchObject({ ok: false });
    expect(bad.ok ? '' : bad.error).toContain("'qa'");
  });
});
