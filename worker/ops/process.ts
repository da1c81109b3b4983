import type { AppConfig } from '../../core/config';
import type { OpsConfig } from '../../core/ops-settings';
import { Logger, routeConsole } from './logger';
import { configSecrets, opsSettings } from './settings';

/** A bot or worker process's logging, set up first thing in its composition root. */
export interface ProcessLogging {
  readonly ops: OpsConfig;
  /** The process's logger, `component` bound. */
  readonly logger: Logger;
  /** Gives `console` back (tests that run a composition in-process). */
  restore(): void;
}

/**
 * One logger for the process (format and level from the config or INFRA_AGENT_LOG_FORMAT/LEVEL), knowing every
 * secret value in the config, with `console.*` routed through it.
 */
export function setUpProcessLogging(
  component: string,
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  write?: (line: string) => void,
): ProcessLogging {
  const ops = opsSettings(config, env);
  const root = new Logger({
    format: ops.logging.format,
    level: ops.logging.level,
    secrets: configSecrets(config, env),
    ...(write ? { write } : {}),
  });
  const logger = root.child({ component });
  const restore = routeConsole(logger);
  return { ops, logger, restore };
}

/**
 * SIGTERM/SIGINT once: `onSignal` runs (it drains and stops); a second signal while it runs exits at once with
 * 130/143. Returns the removal of the handlers.
 */
export function onShutdownSignal(logger: Logger, onSignal: (signal: NodeJS.Signals) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} again while stopping: exiting now`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    onSignal(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.removeListener('SIGTERM', handler);
    process.removeListener('SIGINT', handler);
  };
}
