/**
 * sandbox/moto/server.py runs a change set once, as CloudFormation does: executing it again is refused with
 * InvalidChangeSetStatus. Plain moto 5 applies it a second time (a second stack-level CREATE_COMPLETE), which the
 * fault suite's `aws-outage/deploy-executing` turned into a duplicate deploy: the retried execute, sent after its
 * predecessor timed out against a frozen AWS, ran after that predecessor once AWS answered again.
 * Run: INFRA_AGENT_TEST_NO_SANDBOX=1 npx jest test/sandbox/moto-change-set-once.test.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { venvPython } from '../../sandbox/paths';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'sandbox', 'moto', 'server.py');
const TEMPLATE = readFileSync(join(ROOT, 'test', 'fixtures', 'stacks', 'audit-log-group.yaml'), 'utf8');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let server: ChildProcess | undefined;
let serverLog = '';
let cfn: CloudFormationClient;

beforeAll(async () => {
  const port = await freePort();
  server = spawn(venvPython(), [SERVER, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    serverLog = (serverLog + chunk.toString('utf8')).slice(-20000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  cfn = new CloudFormationClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`moto exited with ${server.exitCode}:\n${serverLog}`);
    try {
      await cfn.send(new ListStacksCommand({}));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`moto did not start: ${String(err)}\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 120_000);

afterAll(() => {
  cfn?.destroy();
  server?.kill('SIGKILL');
});

const params = [
  { ParameterKey: 'Environment', ParameterValue: 'dev' },
  { ParameterKey: 'IaCVersion', ParameterValue: 'abcdef0' },
];

async function changeSet(stack: string): Promise<{ StackName: string; ChangeSetName: string }> {
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: stack,
      ChangeSetName: 'ia-once',
      ChangeSetType: 'CREATE',
      TemplateBody: TEMPLATE,
      Parameters: params,
    }),
  );
  return { StackName: stack, ChangeSetName: created.Id! };
}

async function completions(stack: string): Promise<number> {
  const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: stack }))).StackEvents ?? [];
  return events.filter((e) => e.LogicalResourceId === stack && e.ResourceStatus === 'CREATE_COMPLETE').length;
}

describe('ExecuteChangeSet in the sandbox moto runs a change set once', () => {
  it('GIVEN an executed change set WHEN it is executed again THEN it is refused with InvalidChangeSetStatus', async () => {
    const ref = await changeSet('once');
    await cfn.send(new ExecuteChangeSetCommand({ ...ref, ClientRequestToken: 'tok-1' }));
    expect((await cfn.send(new DescribeChangeSetCommand(ref))).ExecutionStatus).toBe('EXECUTE_COMPLETE');
    await expect(cfn.send(new ExecuteChangeSetCommand({ ...ref, ClientRequestToken: 'tok-1' }))).rejects.toMatchObject({
      name: 'InvalidChangeSetStatusException',
    });
    expect(await completions('once')).toBe(1);
  }, 60_000);

  it('GIVEN one change set WHEN executed by several calls at once (retries answered together after an outage) THEN exactly one runs it', async () => {
    const ref = await changeSet('racing');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => cfn.send(new ExecuteChangeSetCommand({ ...ref, ClientRequestToken: 'tok-r' }))),
    );
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r.reason as Error).name);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refused).toEqual(Array(7).fill('InvalidChangeSetStatusException'));
    expect(await completions('racing')).toBe(1);
  }, 60_000);
});
