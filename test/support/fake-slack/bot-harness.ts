import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { App, Logger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { createBotApp } from '../../../bot/app';
import { DurableDeliveryDedupe } from '../../../bot/dedupe';
import type { DeliveryLedger } from '../../../bot/dedupe';
import { viewSealKey } from '../../../bot/view-seal';
import { TotpMfaVerifier } from '../../../adapters/mfa/totp-verifier';
import type { AppConfig, SlackConfig } from '../../../core/config';
import type { GatewaySession } from '../../../worker/client-compose';
import { openGateway } from '../../../worker/client-compose';
import type { FakeSlack } from './server';

export const SIGNING_SECRET = 'sandbox-signing-secret';

/** A logger that keeps every line, whatever its level (tests and suites check what the bot logged). */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at =
    (level: string) =>
    (...m: unknown[]) =>
      void lines.push(`${level} ${m.map(String).join(' ')}`);
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel: () => undefined,
    getLevel: () => LogLevel.DEBUG,
    setName: () => undefined,
  };
}

/** A config whose Slack block points at the fake (the worker's notifier and the bot both use it). */
export function withFakeSlack(config: AppConfig, fake: FakeSlack, mode: SlackConfig['mode'] = 'http'): AppConfig {
  return {
    ...config,
    slack: {
      mode,
      botToken: 'xoxb-sandbox',
      signingSecret: SIGNING_SECRET,
      appToken: 'xapp-sandbox',
      botId: 'B0INFRABOT',
      botUserId: 'U0INFRABOT',
      apiUrl: fake.apiUrl,
      port: 0,
    },
  };
}

/** How a test bot differs from a lone fresh one. */
export interface BotOptions {
  /**
   * The delivery-key directory. Default: a fresh one per bot, i.e. an instance that shares no dedupe state (on
   * another host); give the same directory to model a restart, or instances over one state directory.
   */
  readonly deliveriesDir?: string;
  /** A delivery ledger of the test's own (e.g. the PostgreSQL store's); wins over deliveriesDir. */
  readonly dedupe?: DeliveryLedger;
  /** The MFA key (the modal seal key derives from it). Default: random per bot. */
  readonly mfaKey?: Buffer;
  /** Where Bolt and the listeners log. Default: Bolt's console logger at ERROR. */
  readonly logger?: Logger;
}

export interface RunningBot {
  readonly app: App;
  readonly session: GatewaySession;
  readonly mfa: TotpMfaVerifier;
  /** The key that seals the modals this bot opens. */
  readonly viewSealKey: Buffer;
  /** The HTTP receiver's events URL (HTTP mode only). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the real Bolt app (as worker/bot-main does) with a gateway and a TOTP verifier in a temp file. */
export async function startBot(
  config: AppConfig,
  mfaPath = join(process.env.INFRA_AGENT_TEST_DIR ?? '/tmp', `mfa-${Date.now()}.json`),
  opts: BotOptions = {},
): Promise<RunningBot> {
  const slack = config.slack;
  if (!slack) throw new Error('config has no slack block');
  const session = await openGateway(config, { pollMs: 100 });
  const mfaKey = opts.mfaKey ?? randomBytes(32);
  const mfa = new TotpMfaVerifier({ path: mfaPath, key: mfaKey });
  const dir = opts.deliveriesDir ?? mkdtempSync(join(process.env.INFRA_AGENT_TEST_DIR ?? '/tmp', 'slack-deliveries-'));
  const sealKey = viewSealKey(mfaKey);
  const app = createBotApp({
    slack,
    deps: {
      config,
      gateway: session.gateway,
      mfa,
      dedupe: opts.dedupe ?? new DurableDeliveryDedupe({ dir }),
      viewSealKey: sealKey,
      audit: session.audit,
    },
    ...(opts.logger ? { logger: opts.logger } : { logLevel: LogLevel.ERROR }),
  });
  const started = (await app.start(0)) as unknown;
  const url =
    slack.mode === 'http' ? `http://127.0.0.1:${((started as Server).address() as AddressInfo).port}/slack/events` : '';
  return {
    app,
    session,
    mfa,
    viewSealKey: sealKey,
    url,
    stop: async () => {
      await app.stop();
      await session.close();
    },
  };
}
