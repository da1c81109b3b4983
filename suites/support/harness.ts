import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { verifyAuditChain } from '../../adapters/audit/jsonl-audit-log';
import type { AuditRecord } from '../../core/audit';
import type { AppConfig } from '../../core/config';
import type { PrivateSandbox } from '../../bench/private-sandbox';
import { startPrivateSandbox } from '../../bench/private-sandbox';
import type { RunningBot } from '../../test/support/fake-slack/bot-harness';
import { recordingLogger, SIGNING_SECRET, startBot, withFakeSlack } from '../../test/support/fake-slack/bot-harness';
import { FakeSlack } from '../../test/support/fake-slack/server';
import type { SlackPerson } from '../../test/support/fake-slack/signed';
import { eventBody, postSigned, slashCommandBody } from '../../test/support/fake-slack/signed';
import type { RunningWorker } from '../../test/support/sandbox';
import { startWorker, testClient, testConfig, withFixtureStacks } from '../../test/support/sandbox';

export const FORM = 'application/x-www-form-urlencoded';
export const CHANNEL = 'C0DEVOPS1';
export const ALICE: SlackPerson = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
export const BOB: SlackPerson = { userId: 'U0BOB0001', teamId: 'T0SANDBOX' };
export const CAROL: SlackPerson = { userId: 'U0CAROL01', teamId: 'T0SANDBOX' };
export { SIGNING_SECRET };

/** The product as a suite reaches it: a private sandbox, a worker, the bot over HTTP against a local Slack. */
export interface SuiteWorld {
  readonly sandbox: PrivateSandbox;
  readonly fake: FakeSlack;
  readonly config: AppConfig;
  readonly worker: RunningWorker;
  bot: RunningBot;
  readonly logger: ReturnType<typeof recordingLogger>;
  readonly deliveries: string;
  readonly mfaKey: Buffer;
  readonly mfaPath: string;
  /** Stops the bot and starts it again over the same delivery keys, MFA store and key (a restart). */
  restartBot(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts everything a suite drives; `shape` adjusts the config (fixture stacks, expiries). */
export async function startWorld(name: string, shape: (c: AppConfig) => AppConfig = (c) => c): Promise<SuiteWorld> {
  const queue = `suite-${name}-${Date.now().toString(36)}`;
  const sandbox = await startPrivateSandbox(`suite-${name}`, queue);
  // The config loader and the test helpers read the sandbox's ports from the environment.
  Object.assign(process.env, sandbox.env);
  const fake = await FakeSlack.start();
  const config = shape(withFakeSlack(withFixtureStacks(testConfig(), fixtureStacks), fake));
  const worker = await startWorker(config);
  const logger = recordingLogger();
  const deliveries = mkdtempSync(join(sandbox.dir, 'deliveries-'));
  const mfaKey = randomBytes(32);
  // Where worker/mfa-compose keeps the store in a deployment: the bot and the terminal share it.
  const mfaPath = join(dirname(config.audit.path), 'mfa-secrets.json');
  const opts = { deliveriesDir: deliveries, mfaKey, logger };
  const world: SuiteWorld = {
    sandbox,
    fake,
    config,
    worker,
    bot: await startBot(config, mfaPath, opts),
    logger,
    deliveries,
    mfaKey,
    mfaPath,
    async restartBot() {
      await world.bot.stop();
      world.bot = await startBot(config, mfaPath, opts);
    },
    async stop() {
      await world.bot.stop().catch(() => undefined);
      await worker.stop().catch(() => undefined);
      await fake.stop().catch(() => undefined);
      await sandbox.stop();
    },
  };
  return world;
}

/**
 * Crashes of the bot's process the suite saw (an unhandled rejection would end a real bot): recorded here so the
 * case that caused one fails and the remaining cases still run.
 */
export const crashes: string[] = [];
process.on('unhandledRejection', (e) => void crashes.push(e instanceof Error ? (e.stack ?? e.message) : String(e)));

/** Fixture stacks the suites deploy (a log group: quick in moto). */
export const fixtureStacks: Record<string, string> = Object.fromEntries(
  ['sx-a', 'sx-b', 'sx-c', 'sx-d', 'sx-e', 'sx-f', 'sx-g', 'sx-h'].map((s) => [s, 'stacks/audit-log-group.yaml']),
);

let seq = 0;
/** What the bot answered one signed slash command (its response_url post), or why there was no answer. */
export interface SlashAnswer {
  readonly status: number;
  readonly text: string;
  readonly ackMs: number;
}

/** Sends one signed `/infra <text>` as `who` and waits for the answer the bot posts to its response_url. */
export async function slash(w: SuiteWorld, who: SlackPerson, text: string, timeoutMs = 20_000): Promise<SlashAnswer> {
  const id = `s${++seq}-${Date.now().toString(36)}`;
  const r = await postSigned(
    w.bot.url,
    SIGNING_SECRET,
    slashCommandBody(who, text, CHANNEL, w.fake.responseUrl(id)),
    FORM,
  );
  if (r.status !== 200) return { status: r.status, text: r.body, ackMs: r.ms };
  const answer = await waitFor(() => w.fake.callsOf('response_url').find((c) => c.args._id === id), timeoutMs);
  return { status: r.status, text: answer ? answerText(answer.args) : '(no answer)', ackMs: r.ms };
}

/** Sends one signed app_mention as `who`; waits for the bot's reply in its thread. */
export async function mention(w: SuiteWorld, who: SlackPerson, text: string, timeoutMs = 20_000): Promise<SlashAnswer> {
  const ts = `${1_800_000_000 + ++seq}.000100`;
  const r = await postSigned(
    w.bot.url,
    SIGNING_SECRET,
    eventBody(who, { type: 'app_mention', channel: CHANNEL, ts, text: `<@U0INFRABOT> ${text}` }),
    'application/json',
  );
  if (r.status !== 200) return { status: r.status, text: r.body, ackMs: r.ms };
  const answer = await waitFor(
    () => w.fake.calls.find((c) => c.method === 'chat.postMessage' && c.args.thread_ts === ts),
    timeoutMs,
  );
  return { status: r.status, text: answer ? answerText(answer.args) : '(no answer)', ackMs: r.ms };
}

/** The words of a Slack answer: its text and the text of its blocks. */
export function answerText(args: Record<string, unknown>): string {
  const blocks = typeof args.blocks === 'string' ? args.blocks : JSON.stringify(args.blocks ?? []);
  return `${typeof args.text === 'string' ? args.text : ''}\n${blocks}`;
}

export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(100);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every workflow run the worker's task queue has seen: started by mistake when it grows without a case asking. */
export async function workflowCount(w: SuiteWorld): Promise<number> {
  const client = await testClient(w.config);
  try {
    let n = 0;
    for await (const _ of client.workflow.list({ query: `TaskQueue = '${w.config.temporal.taskQueue}'` })) n++;
    return n;
  } finally {
    await client.connection.close();
  }
}

/** The audit file's state: records, lines that are not whole records, whether the chain verifies, quarantines. */
export interface AuditCheck {
  readonly records: AuditRecord[];
  readonly torn: number;
  readonly brokenAt: number | undefined;
  readonly quarantined: string[];
}

export function checkAudit(w: SuiteWorld): AuditCheck {
  const path = w.config.audit.path;
  const records: AuditRecord[] = [];
  let torn = 0;
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line) as AuditRecord);
      } catch {
        torn++;
      }
    }
  }
  const dir = dirname(path);
  const quarantined = existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.torn-')) : [];
  return { records, torn, brokenAt: verifyAuditChain(records), quarantined };
}

/** Signs of a crash in an answer: a stack trace, an internal error, an unhandled rejection. */
export function crashed(text: string): string | undefined {
  const m =
    /\n\s+at [\w.<>]+ \(|TypeError|ReferenceError|RangeError|SyntaxError:|Internal Server Error|\[object Object\]|undefined is not/.exec(
      text,
    );
  return m?.[0];
}
