import { ConsoleLogger } from '@slack/logger';
import { createBotApp } from '../bot/app';
import { DurableDeliveryDedupe, deliveriesDir } from '../bot/dedupe';
import { viewSealKey } from '../bot/view-seal';
import { openMfaVerifier } from './mfa-compose';
import { openGateway } from './client-compose';
import { ConfigError, loadConfig } from './config-loader';

/**
 * `infra-agent bot`: the Slack front end's composition root — config, a gateway over Temporal, the TOTP
 * verifier (its key from INFRA_AGENT_MFA_KEY, never from the config file), the delivery dedupe next to the audit
 * log (shared by every instance over the same state), the modal seal key (derived from the MFA key), and the Bolt app.
 */
export async function runBot(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.slack) throw new Error('no slack: block in the configuration; see docs/slack.md');
  const mfa = openMfaVerifier(config, env);
  if (!mfa) {
    throw new Error('set INFRA_AGENT_MFA_KEY to 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
  }
  const session = await openGateway(config);
  // One logger for Bolt, the receiver, every listener and the dedupe's housekeeping.
  const logger = new ConsoleLogger();
  const app = createBotApp({
    slack: config.slack,
    logger,
    deps: {
      config,
      gateway: session.gateway,
      mfa,
      dedupe: new DurableDeliveryDedupe({ dir: deliveriesDir(config), logger }),
      // The key openMfaVerifier accepted (32 bytes, or it returned nothing above).
      viewSealKey: viewSealKey(Buffer.from(env.INFRA_AGENT_MFA_KEY ?? '', 'base64')),
      audit: session.audit,
    },
  });
  if (config.slack.mode === 'http') await app.start(config.slack.port);
  else await app.start();
  console.log(
    `[bot] Slack ${config.slack.mode === 'http' ? `HTTP receiver on :${config.slack.port}` : 'Socket Mode'} (pid ${process.pid})`,
  );
  const stop = (): void => {
    void app.stop().finally(() => void session.close().finally(() => process.exit(0)));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  runBot().catch((e: unknown) => {
    console.error(e instanceof ConfigError ? e.message : e instanceof Error ? `error: ${e.message}` : e);
    process.exit(1);
  });
}
