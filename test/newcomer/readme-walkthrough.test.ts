import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrivateSandbox } from '../../bench/private-sandbox';
import type { PrivateSandbox } from '../../bench/private-sandbox';
import { loadConfig } from '../../worker/config-loader';
import type { RunningWorker } from '../support/sandbox';
import { startWorker } from '../support/sandbox';

const ROOT = join(__dirname, '..', '..');

/** One command of a README walkthrough and what its comment promises. */
interface Step {
  readonly line: string;
  readonly args: string[];
  /** The README says it is refused: it must exit non-zero and say why. */
  readonly refused: boolean;
  readonly comment: string;
}

/**
 * The `node bin/infra-agent …` lines of the fenced block under a README heading, in order, with their comments. The
 * test runs what the README says, so the two cannot drift apart.
 */
function walkthrough(heading: string): Step[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`### ${heading}`);
  if (at < 0) throw new Error(`README.md has no section '${heading}'`);
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block
    .split('\n')
    .filter((l) => l.startsWith('node bin/infra-agent '))
    .map((l) => {
      const [cmd = '', comment = ''] = l.split(/\s+#\s*/, 2);
      const args = cmd.trim().split(/\s+/).slice(2);
      return { line: cmd.trim(), args, refused: /^refused\b/.test(comment), comment };
    });
}

/**
 * A newcomer follows the README's first walkthrough word by word, each line its own process as typed in two
 * terminals, against a private sandbox (its own Temporal server and AWS endpoint) with a worker running, as
 * `npm start` leaves them. Each line must do what its comment says: no error, no hang.
 */
describe('the README, followed word by word', () => {
  let sandbox: PrivateSandbox;
  let worker: RunningWorker;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const queue = `newcomer-${Date.now().toString(36)}`;
    sandbox = await startPrivateSandbox('newcomer', queue);
    env = { ...sandbox.env, INFRA_AGENT_TASK_QUEUE: queue, INFRA_AGENT_CLI_NAME: 'node bin/infra-agent' };
    delete env.INFRA_AGENT_USER;
    delete env.INFRA_AGENT_MFA_KEY;
    worker = await startWorker(loadConfig(env));
  }, 180_000);
  afterAll(async () => {
    await worker?.stop();
    await sandbox?.stop();
  }, 60_000);

  const run = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin', 'infra-agent'), ...args],
        { cwd: ROOT, env, timeout: 240_000 },
        (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });

  it('GIVEN "A deploy with an approval, in two terminals" WHEN each line is run as written THEN each does what its comment says and the stack ends CREATE_COMPLETE', async () => {
    const steps = walkthrough('A deploy with an approval, in two terminals');
    expect(steps.map((s) => s.line)).toEqual([
      'node bin/infra-agent --as alice deploy stack vpc to dev',
      'node bin/infra-agent --as alice approve stack/dev/vpc',
      'node bin/infra-agent --as bob approve stack/dev/vpc',
      'node bin/infra-agent audit 10',
    ]);
    const outputs: string[] = [];
    for (const step of steps) {
      const { code, out } = await run(step.args);
      outputs.push(`$ ${step.line}\n${out}`);
      if (step.refused) {
        expect({ line: step.line, code: code === 0 ? 0 : 'non-zero' }).toEqual({ line: step.line, code: 'non-zero' });
        expect(out).toMatch(/refused: /);
        expect(out).not.toMatch(/error: |at .*\.ts:\d+/);
      } else {
        expect({ line: step.line, code, out }).toMatchObject({ line: step.line, code: 0 });
      }
    }
    const [deploy, selfApproval, approval, audit] = outputs;
    expect(deploy).toMatch(/change set for infra-agent-dev-vpc/);
    expect(deploy).toMatch(/waiting for 1 approval\(s\)/);
    expect(selfApproval).toMatch(/refused: you requested this change/);
    expect(approval).toMatch(/approved by bob/);
    expect(approval).toMatch(/DONE: .*CREATE_COMPLETE/);
    for (const action of ['requested', 'approved', 'executed']) expect(audit).toContain(action);
  }, 600_000);
});
