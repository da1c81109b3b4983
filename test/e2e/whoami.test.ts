import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CLAIMED_IDENTITY_WARNING } from '../../cli/identity';
import type { AppConfig } from '../../core/config';
import { openGateway } from '../../worker/client-compose';
import type { RunningWorker } from '../support/sandbox';
import { startWorker, testConfig } from '../support/sandbox';

const BIN = join(__dirname, '..', '..', 'bin', 'infra-agent');

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('whoami: front end -> gateway -> workflow -> activity -> STS on the sandbox endpoint', () => {
  let config: AppConfig;
  let worker: RunningWorker;
  beforeAll(async () => {
    config = testConfig();
    worker = await startWorker(config);
  });
  afterAll(async () => worker.stop());

  it('GIVEN the sandbox WHEN the gateway asks whoami dev THEN the answer comes from the AWS endpoint', async () => {
    const session = await openGateway(config);
    const id = await session.gateway.whoami('dev', {
      userId: 'alice',
      displayName: 'Alice',
      via: 'cli',
      requestId: 'r-1',
    });
    expect(id).toEqual({
      environment: 'dev',
      account: '123456789012',
      arn: 'arn:aws:sts::123456789012:user/moto',
      userId: expect.any(String),
      region: 'us-east-1',
    });
    await session.close();
  });

  it('GIVEN the CLI binary WHEN run one-shot THEN prints the identity and exits 0', async () => {
    const r = await runCli(['--as', 'alice', 'whoami', 'dev'], {
      ...process.env,
      INFRA_AGENT_TASK_QUEUE: config.temporal.taskQueue,
    });
    // The sandbox config lets the terminal claim an identity: every command says so, and nothing else goes to stderr.
    expect(r.stderr.trim()).toBe(CLAIMED_IDENTITY_WARNING);
    expect(r.stdout).toContain('[dev] account 123456789012 region us-east-1');
    expect(r.code).toBe(0);
  });

  it('GIVEN a misspelt command WHEN run THEN exits 2 and shows the closest commands with examples', async () => {
    const r = await runCli(['whoamii', 'dev'], { ...process.env, INFRA_AGENT_TASK_QUEUE: config.temporal.taskQueue });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("I did not understand 'whoamii dev'");
    expect(r.stderr).toContain('whoami dev');
  });
});
