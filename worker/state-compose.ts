import { dirname, join, resolve } from 'node:path';
import type { Logger } from '@slack/bolt';
import { createJsonlAlertStore } from '../adapters/alerts/jsonl-alert-store';
import { createJsonlAuditLog } from '../adapters/audit/jsonl-audit-log';
import type { AuditExport } from '../adapters/audit/chain';
import { createFileMfaRecords } from '../adapters/mfa/mfa-records';
import type { MfaRecordStore } from '../adapters/mfa/mfa-records';
import { createPgAlertStore } from '../adapters/store/postgres/alert-store';
import { createPgAuditLog } from '../adapters/store/postgres/audit-log';
import { createPgDeliveryLedger } from '../adapters/store/postgres/delivery-ledger';
import { createPgMfaRecords } from '../adapters/store/postgres/mfa-records';
import { connectPgStore } from '../adapters/store/postgres/pool';
import type { PgStore } from '../adapters/store/postgres/pool';
import { createPgWaiverStore } from '../adapters/store/postgres/waiver-store';
import { createJsonlWaiverStore } from '../adapters/waivers/jsonl-waiver-store';
import { DeliveryDedupe, DurableDeliveryDedupe, deliveriesDir } from '../bot/dedupe';
import type { DeliveryLedger } from '../bot/dedupe';
import type { AlertStore } from '../core/alerts/alert';
import type { AuditLog } from '../core/audit';
import type { AppConfig } from '../core/config';
import type { WaiverStore } from '../core/security/waivers';

/** The shared state of one deployment, from whichever store the config names. */
export interface StateStores {
  readonly kind: 'file' | 'postgres';
  readonly audit: AuditLog & AuditExport;
  readonly alerts: AlertStore;
  readonly waivers: WaiverStore;
  readonly mfaRecords: MfaRecordStore;
  /** The bot's Slack delivery ledger (a short in-process memory in front of the shared store). */
  deliveries(logger?: Logger): DeliveryLedger;
  /** Resolves once the store answers (PostgreSQL: connected, schema migrated); a composition root awaits it. */
  ready(): Promise<void>;
  /** Answers now (PostgreSQL: a round trip on the pool; the file store: nothing to ask) — for `/readyz`. */
  ping(): Promise<void>;
}

/** Alert state (core/alerts) in the file store: JSON lines beside the audit log, like the other worker state. */
export function alertStorePath(config: Pick<AppConfig, 'audit'>): string {
  return join(dirname(resolve(config.audit.path)), 'alerts.jsonl');
}

/** The waiver store's file: `waivers.jsonl` beside the audit log (the state dir in the sandbox). */
export function waiverStorePath(config: Pick<AppConfig, 'audit'>): string {
  return join(dirname(resolve(config.audit.path)), 'waivers.jsonl');
}

/** The MFA store's file: `mfa-secrets.json` beside the audit log. */
export function mfaRecordsPath(config: Pick<AppConfig, 'audit'>): string {
  return join(dirname(config.audit.path), 'mfa-secrets.json');
}

/** One connection pool per database URL in a process: the bot's gateway, MFA and dedupe share it. */
const pools = new Map<string, PgStore>();

/**
 * The database URL of a `store: postgres` config, from the variable store.urlEnv names. Unset is an error that
 * says which variable; the URL itself is never part of a message.
 */
export function databaseUrl(config: Pick<AppConfig, 'store'>, env: NodeJS.ProcessEnv = process.env): string {
  if (config.store.kind !== 'postgres') throw new Error('the store is not postgres');
  const url = env[config.store.urlEnv];
  if (!url) {
    throw new Error(
      `store: postgres needs the database URL in ${config.store.urlEnv} (postgres://user:password@host:port/db); it is unset`,
    );
  }
  return url;
}

/**
 * The composition roots' single choice of store: `store: file` (the default) keeps today's JSON-lines files beside
 * the audit log, for one machine; `store: postgres` keeps everything in one database shared by every instance.
 */
export function openStateStores(config: AppConfig, env: NodeJS.ProcessEnv = process.env): StateStores {
  if (config.store.kind === 'file') {
    return {
      kind: 'file',
      audit: createJsonlAuditLog(config.audit.path),
      alerts: createJsonlAlertStore(alertStorePath(config)),
      waivers: createJsonlWaiverStore(waiverStorePath(config)),
      mfaRecords: createFileMfaRecords(mfaRecordsPath(config)),
      deliveries: (logger) => new DurableDeliveryDedupe({ dir: deliveriesDir(config), ...(logger ? { logger } : {}) }),
      ready: () => Promise.resolve(),
      ping: () => Promise.resolve(),
    };
  }
  const url = databaseUrl(config, env);
  let store = pools.get(url);
  if (!store) {
    store = connectPgStore({ url, poolSize: config.store.poolSize });
    pools.set(url, store);
  }
  const db = store.db;
  return {
    kind: 'postgres',
    audit: createPgAuditLog(db),
    alerts: createPgAlertStore(db),
    waivers: createPgWaiverStore(db),
    mfaRecords: createPgMfaRecords(db),
    deliveries: (logger) => {
      const shared = createPgDeliveryLedger(db, { warn: (m) => logger?.warn(m) });
      const recent = new DeliveryDedupe(30 * 60_000);
      // Concurrent repeats within this process are answered without a round trip.
      return { first: async (key) => recent.first(key) && (await shared.first(key)) };
    },
    ready: async () => {
      await store.ready;
    },
    ping: async () => {
      await store.ready;
      await store.pool.query('SELECT 1');
    },
  };
}

/** Closes the pools this process opened (a front end's or worker's shutdown). */
export async function closeStateStores(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((s) => s.close()));
}
