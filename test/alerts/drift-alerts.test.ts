/**
 * Scheduled drift checks and on-call alerts, end to end on the real servers: a stack deployed on the sandbox's moto,
 * a security group changed through moto's EC2 API behind the product's back, the scheduled drift workflow on real
 * Temporal (as its Schedule starts it), alerts in the fake Slack's alerts channel, acknowledge/snooze through the
 * one dispatcher and the Slack buttons (sealed why-form), the alert store and the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import {
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import type { Client } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandResult } from '../../core/commands/results';
import type { AppConfig } from '../../core/config';
import type { Requester } from '../../core/requester';
import { ActionIds, InputIds, ViewIds } from '../../presentation/slack/ids';
import { renderResult } from '../../presentation/text/result';
import { createJsonlAuditLog } from '../../adapters/audit/jsonl-audit-log';
import { scheduledDriftInput } from '../../worker/schedules';
import { scheduledDriftWorkflow } from '../../workflows';
import type { ScheduledDriftResult } from '../../workflows/alerts';
import { awsClients } from '../support/aws';
import { replayAndMaybeRecord } from '../support/histories';
import type { RunningBot } from '../support/fake-slack/bot-harness';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../support/fake-slack/bot-harness';
import { blockKitViolations } from '../support/fake-slack/block-kit';
import { poll } from '../support/fake-slack/poll';
import { FakeSlack } from '../support/fake-slack/server';
import type { StoredMessage } from '../support/fake-slack/server';
import type { SlackPerson } from '../support/fake-slack/signed';
import { buttonClickBody, postSigned, viewSubmissionBody } from '../support/fake-slack/signed';
import type { RunningWorker } from '../support/sandbox';
import { person, startWorker, testClient, testConfig, withFixtureStacks } from '../support/sandbox';

const suffix = randomBytes(3).toString('hex');
const APP = `alert-app-${suffix}`;
const KEY = `drift/dev/${APP}`;
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

const rule = (port: number) => ({
  GroupId: groupId,
  IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
});

/** One scheduled check of dev, exactly as the Schedule starts it (same workflow, same input). */
let lastRun = '';
async function scheduledCheck(): Promise<ScheduledDriftResult> {
  lastRun = `test-scheduled-drift-${randomBytes(4).toString('hex')}`;
  return client.workflow.execute(scheduledDriftWorkflow, {
    taskQueue: config.temporal.taskQueue,
    workflowId: lastRun,
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

beforeAll(async () => {
  fake = await FakeSlack.start();
  const base = withFakeSlack(withFixtureStacks(testConfig(), { [APP]: 'stacks/drift-app.yaml' }), fake);
  // Only this file's stack in the catalog: the scheduled check is `drift all` over the catalog.
  config = {
    ...base,
    stacks: { [APP]: base.stacks[APP]! },
    // Nor services or releases (drift all checks those too): this file is about a stack's alert.
    services: {},
    releases: {},
    drift: { ignore: [], concurrency: 2, pollMs: 100 },
  };
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

describe('scheduled drift check → one on-call alert per drift', () => {
  let ts = '';

  test('GIVEN a stack in sync WHEN the scheduled check runs THEN nothing is alerted', async () => {
    const r = await scheduledCheck();
    expect(r.report.stacks.map((s) => `${s.stack} ${s.status}`)).toEqual([`${APP} IN_SYNC`]);
    expect(r.alerts).toEqual([{ stack: APP, action: 'none', why: 'clean, and no alert is open' }]);
    expect(topLevel()).toEqual([]);
  });

  test('GIVEN an ingress rule added through moto EC2 WHEN checked 3 times THEN exactly one alert with the readable diff and the buttons', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule(22)));
    const first = await scheduledCheck();
    expect(first.alerts[0]).toMatchObject({ stack: APP, action: 'post' });
    await replayAndMaybeRecord(client, lastRun, 'scheduled-drift-alert-posted');
    const second = await scheduledCheck();
    const third = await scheduledCheck();
    expect(second.alerts[0]).toMatchObject({ action: 'none' });
    expect(third.alerts[0]).toMatchObject({ action: 'none' });
    expect(topLevel()).toHaveLength(1);
    const alert = topLevel()[0]!;
    ts = alert.ts;
    expect(first.alerts[0]?.ts).toBe(ts);
    const shown = JSON.stringify(alert.blocks);
    expect(alert.text).toContain(`drift alert ${KEY}`);
    expect(alert.text).toContain(`${APP} in dev: DRIFTED`);
    expect(shown).toContain('/SecurityGroupIngress/1: (none) → {\\"CidrIp\\":\\"0.0.0.0/0\\",\\"FromPort\\":22');
    expect(shown).toContain(`drift id ${first.report.stacks[0]!.fingerprint}`);
    for (const id of [ActionIds.alertAcknowledge, `${ActionIds.alertSnooze}_1h`, `${ActionIds.alertSnooze}_1d`])
      expect(shown).toContain(id);
    expect(blockKitViolations(alert.blocks)).toEqual([]);
  });

  test('GIVEN the drift changes (a second rule) THEN the same message is updated and the thread says what changed', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule(443)));
    const r = await scheduledCheck();
    expect(r.alerts[0]).toMatchObject({ action: 'update', ts });
    expect(topLevel()).toHaveLength(1);
    expect(fake.callsOf('chat.update').some((c) => c.args.ts === ts)).toBe(true);
    expect(JSON.stringify(topLevel()[0]!.blocks)).toContain('\\"FromPort\\":443');
    const changed = await poll(() => replies(ts).find((m) => m.text.includes('changed since the first alert')));
    expect(changed.text).toContain('new:');
    expect(changed.text).toContain('"FromPort":443');
  });

  test('WHEN someone not in the user list acknowledges THEN refused (command and button), and audited for the button', async () => {
    await expect(run(`acknowledge alert ${KEY} because mine now`, person('mallory'))).rejects.toMatchObject({
      name: 'PermissionDenied',
      policy: 'unknown-user',
    });
    const before = fake.callsOf('chat.postEphemeral').length;
    await click(STRANGER, ActionIds.alertAcknowledge, KEY);
    const whisper = await poll(() => fake.callsOf('chat.postEphemeral').slice(before)[0], 20_000, 'refusal whisper');
    expect(String(whisper.args.text)).toContain('not a known user');
    const records = await createJsonlAuditLog(config.audit.path).tail(200);
    expect(records.find((a) => a.action === 'alert-refused' && a.target === KEY)).toMatchObject({
      actor: 'slack:U0NOBODY9',
      details: { decision: 'acknowledge' },
    });
    expect(fake.callsOf('views.open').filter((c) => JSON.stringify(c.args).includes(KEY))).toEqual([]);
  });

  test('WHEN bob clicks Acknowledge and says why THEN the alert shows who and why, the thread says so, and it is audited', async () => {
    const opened = fake.callsOf('views.open').length;
    await click(BOB, ActionIds.alertAcknowledge, KEY);
    const call = await poll(() => fake.callsOf('views.open').slice(opened)[0], 20_000, 'the why-form');
    const view = (typeof call.args.view === 'string' ? JSON.parse(call.args.view) : call.args.view) as {
      callback_id: string;
      private_metadata: string;
    };
    expect(view.callback_id).toBe(ViewIds.alertReason);
    const res = await postSigned(
      bot.url,
      SIGNING_SECRET,
      viewSubmissionBody(BOB, ViewIds.alertReason, view.private_metadata, {
        [InputIds.alertReasonBlock]: {
          [InputIds.alertReason]: { type: 'plain_text_input', value: 'on it: checking who opened 22' },
        },
      }),
      FORM,
    );
    expect(res.status).toBe(200);
    const reply = await poll(() => replies(ts).find((m) => m.text.includes('acknowledged by')), 30_000, 'ack reply');
    expect(reply.text).toContain('on it: checking who opened 22');
    expect(JSON.stringify(topLevel()[0]!.blocks)).toContain('acknowledged by bob');
    expect(blockKitViolations(topLevel()[0]!.blocks)).toEqual([]);
    const records = await createJsonlAuditLog(config.audit.path).tail(200);
    expect(records.find((a) => a.action === 'acknowledged' && a.target === KEY)).toMatchObject({
      actor: 'bob',
      operationId: `alert/${KEY}`,
      details: { reason: 'on it: checking who opened 22', via: 'slack' },
    });
    // Acknowledged, same drift: still one alert, no new post.
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'none' });
    expect(topLevel()).toHaveLength(1);
  });

  test('WHEN alice snoozes it until changed THEN the same drift stays quiet; `alerts` lists it with who and why', async () => {
    const alice = { ...person('alice'), requestId: randomBytes(6).toString('hex') };
    const r = await run(`snooze alert ${KEY} until-changed because approved in CHG-42`, alice);
    expect(r).toMatchObject({ kind: 'alerts', action: 'snoozed' });
    await replayAndMaybeRecord(client, `alert/${KEY}/snooze/${alice.requestId}`, 'alert-snoozed');
    expect(renderResult({ name: 'alerts' }, await run('alerts', person('alice')), 'alice').text).toContain(
      `${KEY} — snoozed by alice until it changes: approved in CHG-42`,
    );
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'none', why: 'snoozed until it changes' });
    expect(topLevel()).toHaveLength(1);
    const records = await createJsonlAuditLog(config.audit.path).tail(200);
    expect(records.find((a) => a.action === 'snoozed' && a.target === KEY)).toMatchObject({
      actor: 'alice',
      details: { reason: 'approved in CHG-42', snooze: 'until-changed' },
    });
  });

  test('GIVEN the rules removed again WHEN checked THEN the alert is resolved: the thread says so and the buttons go', async () => {
    await ec2.send(new RevokeSecurityGroupIngressCommand(rule(22)));
    await ec2.send(new RevokeSecurityGroupIngressCommand(rule(443)));
    const r = await scheduledCheck();
    expect(r.alerts[0]).toMatchObject({ action: 'resolve', ts });
    await replayAndMaybeRecord(client, lastRun, 'scheduled-drift-alert-resolved');
    const resolved = await poll(() => replies(ts).find((m) => m.text.includes('resolved')), 20_000, 'resolved reply');
    expect(resolved.text).toContain(`${APP} in dev: in sync`);
    expect(JSON.stringify(topLevel()[0]!.blocks)).not.toContain(ActionIds.alertAcknowledge);
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'none' });
    await expect(run(`acknowledge alert ${KEY} because late`, person('bob'))).rejects.toMatchObject({
      name: 'InvalidInput',
    });
  });
});

describe('a drift found by hand', () => {
  test('GIVEN a new rule WHEN alice runs `drift <stack> dev` THEN on call gets the alert; the next scheduled check does not repeat it', async () => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule(8080)));
    const before = topLevel().length;
    const requestId = randomBytes(6).toString('hex');
    const r = await run(`drift ${APP} dev`, { ...person('alice'), requestId });
    expect(r).toMatchObject({ kind: 'drift', report: { status: 'DRIFTED' } });
    const alert = await poll(() => topLevel()[before], 20_000, 'the alert of a manual check');
    expect(JSON.stringify(alert.blocks)).toContain('\\"FromPort\\":8080');
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'none' });
    expect(topLevel()).toHaveLength(before + 1);
    await ec2.send(new RevokeSecurityGroupIngressCommand(rule(8080)));
    expect((await scheduledCheck()).alerts[0]).toMatchObject({ action: 'resolve', ts: alert.ts });
  });
});

async function click(who: SlackPerson, actionId: string, value: string): Promise<void> {
  const res = await postSigned(
    bot.url,
    SIGNING_SECRET,
    buttonClickBody(who, actionId, value, alerts, topLevel()[0]!.ts, fake.responseUrl('act')),
    FORM,
  );
  expect(res.status).toBe(200);
}
