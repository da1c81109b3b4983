import { ConsoleLogger } from '@slack/logger';
import { createBotApp } from '../bot/app';
import { viewSealKey } from '../bot/view-seal';
import { openMfaStore } from './mfa-compose';
import { openGateway } from './client-compose';
import { ConfigError, loadConfig } from './config-loader';
import { closeStateStores, openStateStores } from './state-compose';

/**
 * `infra-agent bot`: the Slack front end's composition root — config, a gateway over Temporal, the TOTP
 * verifier (its key from INFRA_AGENT_MFA_KEY or the `mfa keygen` key file, never from the config file), the delivery dedupe in the shared
 * state store (files beside the audit log, or PostgreSQL: shared by every instance), the modal seal key (derived from the MFA key), and the Bolt app.
 */
export async function runBot(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.slack) throw new Error('no slack: block in the configuration; see docs/slack.md');
  const store = openMfaStore(config, env, (line) => console.log(`[bot] ${line}`));
  if (!store) {
    throw new Error(
      'no MFA key: run `node bin/infra-agent mfa keygen` once, or set INFRA_AGENT_MFA_KEY (32 random bytes, base64)',
    );
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
      mfa: store.verifier,
      dedupe: openStateStores(config, env).deliveries(logger),
      // The MFA key actually loaded (the environment's or the key file's): the seal derives from it.
      viewSealKey: viewSealKey(store.key),
      audit: session.audit,
    },
  });
  if (config.slack.mode === 'http') await app.start(config.slack.port);
  else await app.start();
  console.log(
    `[bot] Slack ${config.slack.mode === 'http' ? `HTTP receiver on :${config.slack.port}` : 'Socket Mode'} (pid ${process.pid})`,
  );
  const stop = (): void => {
    void app
      .stop()
      .finally(() => session.close())
      .finally(() => closeStateStores())
      .finally(() => process.exit(0));
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
