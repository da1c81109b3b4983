import { format as formatArgs } from 'node:util';
import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel as BoltLogLevel } from '@slack/bolt';
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { redactText, redactValue } from '../../core/redaction';
import type { LogLevelName } from '../../core/ops-settings';
import { LOG_LEVELS } from '../../core/ops-settings';

export type LogFields = Readonly<Record<string, unknown>>;

export interface LoggerOptions {
  readonly format: 'json' | 'text';
  readonly level: LogLevelName;
  /** Where lines go. Default: stdout. */
  readonly write?: (line: string) => void;
  /** Secret values this process holds (config tokens, keys): replaced wherever they appear. */
  readonly secrets?: readonly string[];
  readonly now?: () => Date;
}

const RANK: Readonly<Record<LogLevelName, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * The one logger of a bot or worker process: JSON lines `{time, level, msg, component, …fields}` (or text for a
 * terminal), every field and message redacted (core/redaction.ts) before it is written. `child` adds fields
 * (component, operationId, workflowId) to every line it writes.
 */
export class Logger {
  private readonly write: (line: string) => void;
  private readonly secrets: string[];

  constructor(
    private readonly options: LoggerOptions,
    private readonly bound: LogFields = {},
    shared?: { write: (line: string) => void; secrets: string[] },
  ) {
    this.write = shared?.write ?? options.write ?? ((line) => void process.stdout.write(line + '\n'));
    this.secrets = shared?.secrets ?? [...(options.secrets ?? [])].filter((s) => s.length >= 6);
  }

  get level(): LogLevelName {
    return this.options.level;
  }

  /** Adds secret values (e.g. the MFA key once loaded) to what every logger of this tree replaces. */
  addSecrets(values: readonly (string | undefined)[]): void {
    for (const v of values) if (v && v.length >= 6 && !this.secrets.includes(v)) this.secrets.push(v);
  }

  child(fields: LogFields): Logger {
    return new Logger(this.options, { ...this.bound, ...fields }, { write: this.write, secrets: this.secrets });
  }

  enabled(level: LogLevelName): boolean {
    return RANK[level] >= RANK[this.options.level];
  }

  log(level: LogLevelName, msg: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    const time = (this.options.now ?? (() => new Date()))().toISOString();
    const clean = redactValue({ ...this.bound, ...fields }, this.secrets) as Record<string, unknown>;
    const message = redactText(msg, this.secrets);
    if (this.options.format === 'json') {
      this.write(JSON.stringify({ time, level, msg: message, ...clean }));
      return;
    }
    const { component, ...rest } = clean;
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    this.write(
      `${time} ${level.toUpperCase().padEnd(5)} ${typeof component === 'string' ? `[${component}] ` : ''}${message}${extra ? ` ${extra}` : ''}`,
    );
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }
}

/** `console.log('x', err)` → message 'x', the first Error as `err`, the rest formatted into the message. */
function fromArgs(args: readonly unknown[]): [string, LogFields] {
  const err = args.find((a) => a instanceof Error);
  const rest = args.filter((a) => a !== err);
  const msg = rest.length > 0 ? formatArgs(...rest) : err ? err.message : '';
  return [msg, err ? { err } : {}];
}

/**
 * Routes `console.*` through `logger` (what the adapters and libraries print: the audit log's warnings, the
 * TOTP store's, anything a dependency writes): log/info → info, warn → warn, error → error, debug → debug.
 * Returns the undo.
 */
export function routeConsole(logger: Logger): () => void {
  const saved = {
    log: console.log,
    info: console.info,
    warn: console.warn,
    error: console.error,
    debug: console.debug,
  };
  const to =
    (level: LogLevelName) =>
    (...args: unknown[]): void => {
      const [msg, fields] = fromArgs(args);
      logger.log(level, msg, fields);
    };
  console.log = to('info');
  console.info = to('info');
  console.warn = to('warn');
  console.error = to('error');
  console.debug = to('debug');
  return () => Object.assign(console, saved);
}

/** Bolt's Logger (Bolt, the HTTP receiver, Socket Mode, every listener) over `logger`. */
export function boltLogger(logger: Logger): BoltLogger {
  let level: BoltLogLevel = BoltLogLevel.INFO;
  const order = [BoltLogLevel.DEBUG, BoltLogLevel.INFO, BoltLogLevel.WARN, BoltLogLevel.ERROR];
  const at =
    (l: LogLevelName, bl: BoltLogLevel) =>
    (...args: unknown[]): void => {
      if (order.indexOf(bl) < order.indexOf(level)) return;
      const [msg, fields] = fromArgs(args);
      logger.log(l, msg, fields);
    };
  return {
    debug: at('debug', BoltLogLevel.DEBUG),
    info: at('info', BoltLogLevel.INFO),
    warn: at('warn', BoltLogLevel.WARN),
    error: at('error', BoltLogLevel.ERROR),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}

const TEMPORAL_LEVEL: Readonly<Record<TemporalLogLevel, LogLevelName>> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Temporal's Runtime logger (the SDK, Core's forwarded logs, workflow and activity `log`) over `logger`: its
 * metadata's workflowId, runId, activityType… become fields, so a line names the workflow it is about.
 */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: TemporalLogLevel, message: string, meta?: LogMetadata): void =>
    logger.log(TEMPORAL_LEVEL[level] ?? 'info', message, meta ?? {});
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

export function isLogLevel(v: string): v is LogLevelName {
  return (LOG_LEVELS as readonly string[]).includes(v);
}
