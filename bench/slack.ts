/**
 * npm run bench:slack — ack latency of concurrent signed `/infra` slash commands (50 and 200 at once) on the
 * real bot (Bolt HTTP receiver, dedupe, identity, then the gateway → Temporal `list` after the ack), next to a
 * bare Bolt app that only acks (the floor), in the same run, against a private sandbox and a local Slack.
 * BENCH_SLACK_N (default "50,200") sets the concurrency levels.
 */
import { startPrivateSandbox } from './private-sandbox';
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, LogLevel } from '@slack/bolt';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../worker/config-loader';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../test/support/fake-slack/bot-harness';
import { FakeSlack } from '../test/support/fake-slack/server';

const LEVELS = (process.env.BENCH_SLACK_N ?? '50,200').split(',').map(Number);
const execFileAsync = promisify(execFile);

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** Fires `n` signed slash commands at once from a separate process (as Slack would); returns ack times. */
async function burst(url: string, n: number, tag: string): Promise<number[]> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'slack-load.ts'), url, String(n), tag, process.env.BENCH_SLACK_TEXT ?? 'list'],
    { maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout) as { failed: number; ms: number[] };
  if (r.failed) throw new Error(`${r.failed} of ${n} requests were not acked with 200`);
  return r.ms;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await startPrivateSandbox('bench-slack', 'bench-slack');
  const { dir, env } = sandbox;
  const fake = await FakeSlack.start();
  const bot = await startBot(withFakeSlack(loadConfig(env), fake), join(dir, 'mfa.json'));
  // The floor: the same Bolt receiver and signature check, a listener that only acks.
  const bare = new App({
    token: 'xoxb-bare',
    signingSecret: SIGNING_SECRET,
    botId: 'B0',
    botUserId: 'U0',
    logLevel: LogLevel.ERROR,
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl: fake.apiUrl },
  });
  bare.command('/infra', async ({ ack }) => ack());
  const bareServer = (await bare.start(0)) as Server;
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;
  try {
    await burst(bot.url, 10, 'warm-bot');
    await burst(bareUrl, 10, 'warm-bare');
    console.log(`\nack latency of signed /infra slash commands (${process.platform}, node ${process.version})`);
    for (const n of LEVELS) {
      const floor = await burst(bareUrl, n, `bare-${n}`);
      await new Promise((r) => setTimeout(r, 1000));
      const bot99 = await burst(bot.url, n, `bot-${n}`);
      const row = (name: string, xs: number[]): string =>
        `${String(n).padStart(4)} concurrent  ${name.padEnd(8)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p99 ${pct(xs, 99).toFixed(0).padStart(5)} ms  max ${Math.max(
          ...xs,
        )
          .toFixed(0)
          .padStart(5)} ms`;
      console.log(row('bare', floor));
      console.log(row('bot', bot99));
      console.log(`${''.padStart(4)}              bot/bare p99 ratio ${(pct(bot99, 99) / pct(floor, 99)).toFixed(2)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await bare.stop();
    await bot.stop();
    await fake.stop();
    await sandbox.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
