import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { createBotApp } from '../../../bot/app';
import { DeliveryDedupe } from '../../../bot/dedupe';
import { TotpMfaVerifier } from '../../../adapters/mfa/totp-verifier';
import type { AppConfig, SlackConfig } from '../../../core/config';
import type { GatewaySession } from '../../../worker/client-compose';
import { openGateway } from '../../../worker/client-compose';
import type { FakeSlack } from './server';

export const SIGNING_SECRET = 'sandbox-signing-secret';

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

export interface RunningBot {
  readonly app: App;
  readonly session: GatewaySession;
  readonly mfa: TotpMfaVerifier;
  /** The HTTP receiver's events URL (HTTP mode only). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the real Bolt app (as worker/bot-main does) with a gateway and a TOTP verifier in a temp file. */
export async function startBot(
  config: AppConfig,
  mfaPath = join(process.env.INFRA_AGENT_TEST_DIR ?? '/tmp', `mfa-${Date.now()}.json`),
): Promise<RunningBot> {
  const slack = config.slack;
  if (!slack) throw new Error('config has no slack block');
  const session = await openGateway(config, { pollMs: 100 });
  const mfa = new TotpMfaVerifier({ path: mfaPath, key: randomBytes(32) });
  const app = createBotApp({
    slack,
    deps: { config, gateway: session.gateway, mfa, dedupe: new DeliveryDedupe() },
    logLevel: LogLevel.ERROR,
  });
  const started = (await app.start(0)) as unknown;
  const url =
    slack.mode === 'http' ? `http://127.0.0.1:${((started as Server).address() as AddressInfo).port}/slack/events` : '';
  return {
    app,
    session,
    mfa,
    url,
    stop: async () => {
      await app.stop();
      await session.close();
    },
  };
}
