/**
 * The floor of bench/slack.ts, in its own process (as a bare Bolt deployment would be): a Bolt app with the same
 * HTTP receiver and signature check as Bolt's default, whose `/infra` listener only acks. Prints
 * `{"url": …}` on stdout once listening, then serves until killed. argv: <signing secret>
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';

async function main(): Promise<void> {
  const [secret = ''] = process.argv.slice(2);
  const bare = new App({
    token: 'xoxb-bare',
    signingSecret: secret,
    botId: 'B0',
    botUserId: 'U0',
    logLevel: LogLevel.ERROR,
    tokenVerificationEnabled: false,
  });
  bare.command('/infra', async ({ ack }) => ack());
  const server = (await bare.start(0)) as Server;
  process.stdout.write(
    `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events` })}\n`,
  );
  process.once('SIGTERM', () => void bare.stop().finally(() => process.exit(0)));
}

void main();
