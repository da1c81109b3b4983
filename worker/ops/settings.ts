import type { AppConfig } from '../../core/config';
import type { OpsConfig } from '../../core/ops-settings';
import { DEFAULT_OPS_CONFIG, readOpsConfig } from '../../core/ops-settings';
import { isSecretField } from '../../core/redaction';

/**
 * The config's operability settings with the environment's overrides on top (a process manager or a test sets
 * these without its own config file): INFRA_AGENT_HEALTH_PORT, INFRA_AGENT_HEALTH_ADDRESS, INFRA_AGENT_LOG_FORMAT,
 * INFRA_AGENT_LOG_LEVEL, INFRA_AGENT_SHUTDOWN_GRACE, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME.
 */
export function opsSettings(config: AppConfig, env: NodeJS.ProcessEnv = process.env): OpsConfig {
  const base = config.ops ?? DEFAULT_OPS_CONFIG;
  const pick = (name: string): string | undefined =>
    env[name] === undefined || env[name] === '' ? undefined : env[name];
  const port = pick('INFRA_AGENT_HEALTH_PORT');
  const raw = {
    health: {
      port: port === undefined ? base.health.port : Number(port),
      address: pick('INFRA_AGENT_HEALTH_ADDRESS') ?? base.health.address,
    },
    shutdown: { graceTime: pick('INFRA_AGENT_SHUTDOWN_GRACE') ?? base.shutdown.graceSeconds },
    logging: {
      format: pick('INFRA_AGENT_LOG_FORMAT') ?? base.logging.format,
      level: pick('INFRA_AGENT_LOG_LEVEL') ?? base.logging.level,
    },
    telemetry: {
      ...((pick('OTEL_EXPORTER_OTLP_ENDPOINT') ?? base.telemetry.otlpEndpoint)
        ? { otlpEndpoint: pick('OTEL_EXPORTER_OTLP_ENDPOINT') ?? base.telemetry.otlpEndpoint }
        : {}),
      serviceName: pick('OTEL_SERVICE_NAME') ?? base.telemetry.serviceName,
    },
  };
  const { value, issues } = readOpsConfig(raw);
  if (issues.length > 0)
    throw new Error(
      `operability settings from the environment: ${issues.map((i) => `${i.path}: ${i.problem}`).join('; ')}`,
    );
  return value;
}

/** Every secret value in the config (tokens, keys, passwords): the logger replaces them wherever they appear. */
export function configSecrets(config: AppConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string' && isSecretField(key, v)) out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(config, '');
  for (const name of ['INFRA_AGENT_MFA_KEY', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'])
    if (env[name]) out.push(env[name]);
  return out;
}
