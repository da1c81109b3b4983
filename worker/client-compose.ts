import type { AuditLog } from '../core/audit';
import type { AppConfig } from '../core/config';
import type { Client } from '@temporalio/client';
import { Gateway } from './gateway';
import type { GatewayProps } from './gateway';
import { resolveIacVersion, resolveIacVersions } from './iac-version';
import { openStateStores } from './state-compose';
import { connectClient } from './temporal-connection';

/** A gateway over one Temporal connection, for a front end (terminal or Slack). */
export interface GatewaySession {
  readonly config: AppConfig;
  readonly gateway: Gateway;
  /** The gateway's audit log, for what a front end refuses by itself (e.g. the bot's forged modal submissions). */
  readonly audit: AuditLog;
  /** The Temporal client's connection (the bot's readiness check asks it). */
  readonly connection: Client['connection'];
  close(): Promise<void>;
}

/** The front ends' composition root: config in, a gateway with its audit log and IaC version out. */
export async function openGateway(config: AppConfig, tuning?: GatewayProps['tuning']): Promise<GatewaySession> {
  const state = openStateStores(config);
  await state.ready(); // a store that cannot be reached is said at start-up, not at the first command
  const client = await connectClient(config.temporal);
  const audit = state.audit;
  const gateway = new Gateway({
    client,
    config,
    audit,
    iacVersion: await resolveIacVersion(config.infraDir),
    iacVersions: await resolveIacVersions(config),
    ...(tuning ? { tuning } : {}),
  });
  return { config, gateway, audit, connection: client.connection, close: () => client.connection.close() };
}
