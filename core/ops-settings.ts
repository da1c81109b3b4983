import { parseDurationSeconds } from './duration';

/**
 * How the bot and the worker are run and watched (docs/operability.md): the health server (`/healthz`, `/readyz`,
 * `/metrics`), the grace period on SIGTERM, the log format, and OpenTelemetry export. Every key is optional.
 */
export interface OpsConfig {
  /** The health server: `port` 0 = any free port (the sandbox), the bound address is logged. Default 0.0.0.0:8080. */
  readonly health: { readonly port: number; readonly address: string };
  /** On SIGTERM: how long running activities (worker) or in-flight requests (bot) may take to finish. */
  readonly shutdown: { readonly graceSeconds: number };
  /** `json` (one object a line, the default) or `text` (for a terminal); and the lowest level written. */
  readonly logging: { readonly format: 'json' | 'text'; readonly level: LogLevelName };
  /** OTLP/HTTP export of traces and metrics; off when `otlpEndpoint` is absent. */
  readonly telemetry: { readonly otlpEndpoint?: string; readonly serviceName: string };
}

export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevelName[] = ['debug', 'info', 'warn', 'error'];

export const DEFAULT_OPS_CONFIG: OpsConfig = {
  health: { port: 8080, address: '0.0.0.0' },
  shutdown: { graceSeconds: 30 },
  logging: { format: 'json', level: 'info' },
  telemetry: { serviceName: 'infra-agent' },
};

interface Issue {
  readonly path: string;
  readonly problem: string;
}
type Obj = Record<string, unknown>;
/** Short printable form of any YAML value, for messages. */
const show = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `health:`, `shutdown:`, `logging:` and `telemetry:` from the config root; every problem at once. */
export function readOpsConfig(root: Obj): { value: OpsConfig; issues: Issue[] } {
  const issues: Issue[] = [];
  const fail = (path: string, problem: string): void => void issues.push({ path, problem });
  const block = (key: string, keys: readonly string[]): Obj => {
    const v = root[key];
    if (v === undefined) return {};
    if (!isObj(v)) {
      fail(key, `must be a mapping with ${keys.join(', ')}`);
      return {};
    }
    for (const k of Object.keys(v)) if (!keys.includes(k)) fail(`${key}.${k}`, `unknown key; use ${keys.join(', ')}`);
    return v;
  };
  const d = DEFAULT_OPS_CONFIG;

  const h = block('health', ['port', 'address']);
  let port = d.health.port;
  const rawPort = typeof h.port === 'string' && /^\d+$/.test(h.port) ? Number(h.port) : h.port;
  if (rawPort !== undefined) {
    if (typeof rawPort === 'number' && Number.isInteger(rawPort) && rawPort >= 0 && rawPort <= 65535) port = rawPort;
    else fail('health.port', `must be a port from 0 to 65535 (0: any free port), got '${show(h.port)}'`);
  }
  let address = d.health.address;
  if (h.address !== undefined) {
    if (typeof h.address === 'string' && /^[\w.:-]+$/.test(h.address)) address = h.address;
    else fail('health.address', `must be an address to bind, e.g. 0.0.0.0 or 127.0.0.1, got '${show(h.address)}'`);
  }

  const s = block('shutdown', ['graceTime']);
  let graceSeconds = d.shutdown.graceSeconds;
  if (s.graceTime !== undefined) {
    const secs = parseDurationSeconds(s.graceTime);
    if (secs === undefined || secs > 3600)
      fail('shutdown.graceTime', `'${show(s.graceTime)}' is not a duration up to 1h; use e.g. 30s or 2m`);
    else graceSeconds = secs;
  }

  const l = block('logging', ['format', 'level']);
  let format = d.logging.format;
  if (l.format !== undefined) {
    if (l.format === 'json' || l.format === 'text') format = l.format;
    else fail('logging.format', `'${show(l.format)}' is not a log format; use json or text`);
  }
  let level = d.logging.level;
  if (l.level !== undefined) {
    if (LOG_LEVELS.includes(l.level as LogLevelName)) level = l.level as LogLevelName;
    else fail('logging.level', `'${show(l.level)}' is not a level; use ${LOG_LEVELS.join(', ')}`);
  }

  const t = block('telemetry', ['otlpEndpoint', 'serviceName']);
  let otlpEndpoint: string | undefined;
  if (t.otlpEndpoint !== undefined && t.otlpEndpoint !== '') {
    if (typeof t.otlpEndpoint === 'string' && /^https?:\/\/[^\s/]+/.test(t.otlpEndpoint))
      otlpEndpoint = t.otlpEndpoint.replace(/\/+$/, '');
    else
      fail(
        'telemetry.otlpEndpoint',
        `'${show(t.otlpEndpoint)}' is not an http(s) URL; use the collector's OTLP/HTTP base, e.g. http://otel-collector:4318`,
      );
  }
  let serviceName = d.telemetry.serviceName;
  if (t.serviceName !== undefined) {
    if (typeof t.serviceName === 'string' && /^[\w.-]{1,64}$/.test(t.serviceName)) serviceName = t.serviceName;
    else fail('telemetry.serviceName', 'must be letters, digits, . _ - (at most 64)');
  }

  return {
    value: {
      health: { port, address },
      shutdown: { graceSeconds },
      logging: { format, level },
      telemetry: { ...(otlpEndpoint ? { otlpEndpoint } : {}), serviceName },
    },
    issues,
  };
}
