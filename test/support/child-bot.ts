import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';

const BOT_MAIN = join(__dirname, '..', '..', 'worker', 'bot-main.ts');
const SANDBOX_CONFIG = join(__dirname, '..', '..', 'config', 'sandbox.yaml');

/**
 * The sandbox config with a Slack block (HTTP mode on a free port, so the bot starts without any Slack) written to
 * `dir`: infraDir made absolute, everything else as the sandbox has it. Returns the path and the Slack port.
 */
export async function writeBotConfig(
  dir: string,
  slack: Record<string, string> = {},
): Promise<{ path: string; slackPort: number }> {
  const slackPort = await freePort();
  const text = readFileSync(SANDBOX_CONFIG, 'utf8').replace(
    /^infraDir: \.\.\/infra$/m,
    `infraDir: ${join(__dirname, '..', '..', 'infra')}`,
  );
  const block = {
    mode: 'http',
    botToken: 'xoxb-0000000000-test-bot-token',
    signingSecret: 'test-signing-secret-0123456789',
    botUserId: 'U0INFRABOT',
    botId: 'B0INFRABOT',
    port: slackPort,
    ...slack,
  };
  const path = join(dir, 'bot-config.yaml');
  writeFileSync(path, `${text}\nslack: ${JSON.stringify(block)}\n`);
  return { path, slackPort };
}

export interface ChildBot {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly healthUrl: string;
  sigterm(): Promise<number | null>;
  kill9(): Promise<void>;
}

/** A real `infra-agent bot` process (worker/bot-main.ts through tsx); resolves once its receiver is up. */
export async function startChildBot(configPath: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<ChildBot> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', BOT_MAIN], {
    env: {
      ...process.env,
      INFRA_AGENT_CONFIG: configPath,
      INFRA_AGENT_MFA_KEY: randomBytes(32).toString('base64'),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while (!/Slack (HTTP receiver|Socket Mode)/.test(out)) {
    if (child.exitCode !== null) throw new Error(`bot exited during start-up:\n${out}`);
    if (Date.now() > deadline) throw new Error(`bot did not start within 90s:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    process: child,
    output: () => out,
    exited,
    healthUrl: /health on (http:\/\/\S+)/.exec(out)?.[1] ?? '',
    sigterm: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
