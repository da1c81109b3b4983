/**
 * npm run bench:slack — ack latency of concurrent signed `/infra` slash commands (50 and 200 at once) on the
 * real bot (bounded Bolt HTTP receiver, durable dedupe, identity, then the gateway → Temporal `list` after the
 * ack), next to a bare Bolt app that only acks (the floor) running in a separate process (bench/slack-floor.ts),
 * in the same run, against a private sandbox and a local Slack. The load comes from a third process
 * (bench/slack-load.ts). BENCH_SLACK_N (default "50,200") sets the concurrency levels, BENCH_SLACK_ROUNDS
 * (default 3) how many bursts per level are measured (latencies pooled).
 */
import { startPrivateSandbox } from './private-sandbox';
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { deliveriesDir } from '../bot/dedupe';
import { loadConfig } from '../worker/config-loader';
import { SIGNING_SECRET, startBot, withFakeSlack } from '../test/support/fake-slack/bot-harness';
import { FakeSlack } from '../test/support/fake-slack/server';
import { pct } from './timing';

const LEVELS = (process.env.BENCH_SLACK_N ?? '50,200').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_SLACK_ROUNDS ?? 3);
const execFileAsync = promisify(execFile);

/** Fires `n` signed slash commands at once from a separate process (as Slack would); returns ack times. */
async function burst(url: string, n: number, tag: string, answers = false): Promise<number[]> {
  const text = process.env.BENCH_SLACK_TEXT ?? 'list';
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'slack-load.ts'), url, String(n), tag, text, answers ? '1' : '0'],
    { maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout) as { failed: number; ms: number[]; answeredMs: number[] };
  if (r.failed) throw new Error(`${r.failed} of ${n} requests were not acked with 200`);
  if (answers) {
    if (r.answeredMs.length < n) throw new Error(`only ${r.answeredMs.length} of ${n} commands were answered`);
    lastAnswers.push(...r.answeredMs);
  }
  return r.ms;
}

/** When the bot's answers (response_url) arrived, for the last level measured. */
const lastAnswers: number[] = [];

/** Starts the floor in its own process; resolves with its URL and the process (kill it when done). */
async function startFloor(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'slack-floor.ts'), SIGNING_SECRET], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the floor process exited (code ${code}) before listening`)));
    lines.once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
  });
  return { url, child };
}

/** `rounds` bursts of `n`, a pause between them; all ack times pooled. */
async function bursts(url: string, n: number, tag: string, rounds: number, answers = false): Promise<number[]> {
  const all: number[] = [];
  for (let i = 0; i < rounds; i++) {
    all.push(...(await burst(url, n, `${tag}-${i}`, answers)));
    await new Promise((r) => setTimeout(r, 1500));
  }
  return all;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await startPrivateSandbox('bench-slack', 'bench-slack');
  const { dir, env } = sandbox;
  const fake = await FakeSlack.start();
  const config = withFakeSlack(loadConfig(env), fake);
  // The delivery keys where the bot keeps them (next to the audit log), as worker/bot-main does.
  const bot = await startBot(config, join(dir, 'mfa.json'), { deliveriesDir: deliveriesDir(config) });
  // The floor: Bolt's own receiver and signature check, a listener that only acks — in a process of its own.
  const floorProcess = await startFloor();
  const bareUrl = floorProcess.url;
  try {
    await burst(bot.url, 10, 'warm-bot');
    await burst(bareUrl, 10, 'warm-bare');
    console.log(
      `\nack latency of signed /infra slash commands, ${ROUNDS} bursts per level (${process.platform}, node ${process.version})`,
    );
    for (const n of LEVELS) {
      const floor = await bursts(bareUrl, n, `bare-${n}`, ROUNDS);
      await new Promise((r) => setTimeout(r, 1000));
      lastAnswers.length = 0;
      const bot99 = await bursts(bot.url, n, `bot-${n}`, ROUNDS, true);
      const row = (name: string, xs: number[]): string =>
        `${String(n).padStart(4)} concurrent  ${name.padEnd(8)} p50 ${pct(xs, 50).toFixed(0).padStart(5)} ms  p99 ${pct(xs, 99).toFixed(0).padStart(5)} ms  max ${Math.max(
          ...xs,
        )
          .toFixed(0)
          .padStart(5)} ms`;
      console.log(row('bare', floor));
      console.log(row('bot', bot99));
      console.log(`${''.padStart(4)}              bot/bare p99 ratio ${(pct(bot99, 99) / pct(floor, 99)).toFixed(2)}`);
      console.log(
        `${''.padStart(4)}              bot answers (response_url) p50 ${pct(lastAnswers, 50).toFixed(0)} ms  p99 ${pct(lastAnswers, 99).toFixed(0)} ms`,
      );
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    floorProcess.child.kill('SIGTERM');
    await bot.stop();
    await fake.stop();
    await sandbox.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
