import { createBotApp } from '../bot/app';
import { viewSealKey } from '../bot/view-seal';
import { WorkLane } from '../bot/work-lane';
import { openMfaStore } from './mfa-compose';
import { openGateway } from './client-compose';
import { ConfigError, loadConfig } from './config-loader';
import { closeStateStores, openStateStores } from './state-compose';
import { startHealthServer, storeCheck, temporalCheck } from './ops/health';
import { boltLogger } from './ops/logger';
import { onShutdownSignal, setUpProcessLogging } from './ops/process';

/**
 * `infra-agent bot`: the Slack front end's composition root — config, a gateway over Temporal, the TOTP
 * verifier (its key from INFRA_AGENT_MFA_KEY or the `mfa keygen` key file, never from the config file), the delivery dedupe in the shared
 * state store (files beside the audit log, or PostgreSQL: shared by every instance), the modal seal key (derived from the MFA key), the Bolt app,
 * and the health server. Resolves once the bot has stopped after SIGTERM/SIGINT: `/readyz` answers 503 first, the
 * receiver stops taking requests once the ones in flight are answered, and the work acknowledged requests started
 * finishes (up to `shutdown.graceTime`).
 */
export async function runBot(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (!config.slack) throw new Error('no slack: block in the configuration; see docs/slack.md');
  const logging = setUpProcessLogging('bot', config, env);
  const { logger, ops } = logging;
  try {
    await serveBot();
  } finally {
    logging.restore();
  }

  async function serveBot(): Promise<void> {
    const slack = config.slack!;
    const store = openMfaStore(config, env, (line) => logger.info(line));
    if (!store) {
      throw new Error(
        'no MFA key: run `node bin/infra-agent mfa keygen` once, or set INFRA_AGENT_MFA_KEY (32 random bytes, base64)',
      );
    }
    logger.addSecrets([store.key.toString('base64'), store.key.toString('hex')]);
    const session = await openGateway(config);
    // One logger for Bolt, the receiver, every listener and the dedupe's housekeeping.
    const bolt = boltLogger(logger.child({ component: 'slack' }));
    const lane = new WorkLane();
    const app = createBotApp({
      slack,
      logger: bolt,
      lane,
      deps: {
        config,
        gateway: session.gateway,
        mfa: store.verifier,
        dedupe: openStateStores(config, env).deliveries(bolt),
        // The MFA key actually loaded (the environment's or the key file's): the seal derives from it.
        viewSealKey: viewSealKey(store.key),
        audit: session.audit,
      },
    });
    const health = await startHealthServer({
      component: 'bot',
      port: ops.health.port,
      address: ops.health.address,
      checks: [temporalCheck(session.connection, config.temporal.address), storeCheck(config, env)],
    }).catch(async (e: unknown) => {
      await session.close();
      throw e;
    });
    logger.info(`health on ${health.url} (/healthz, /readyz)`, { healthPort: health.port });
    if (slack.mode === 'http') await app.start(slack.port);
    else await app.start();
    logger.info(
      `Slack ${slack.mode === 'http' ? `HTTP receiver on :${slack.port}` : 'Socket Mode'} (pid ${process.pid})`,
    );
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      const remove = onShutdownSignal(logger, (signal) => {
        remove();
        resolve(signal);
      });
    });
    const signal = await stopped;
    const graceMs = ops.shutdown.graceSeconds * 1000;
    logger.info(`${signal}: not ready any more; stopping the receiver once in-flight requests are answered`);
    health.drain(`${signal} received: stopping`);
    const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    // Bolt's stop closes the HTTP server (in-flight requests are answered first) or the Socket Mode connection.
    const receiver = await Promise.race([app.stop().then(() => 'stopped' as const), deadline]);
    const work = await Promise.race([lane.idle().then(() => 'idle' as const), deadline]);
    if (receiver === 'timeout' || work === 'timeout')
      logger.warn(`stopped after the ${ops.shutdown.graceSeconds}s grace with ${lane.pending} request(s) unfinished`);
    else logger.info('every acknowledged request finished; bot stopped');
    await health.close();
    await session.close();
    await closeStateStores();
  }
}

if (require.main === module) {
  runBot().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof ConfigError ? e.message : e instanceof Error ? `error: ${e.message}` : e);
      process.exit(1);
    },
  );
}
