import type { AppConfig } from '../core/config';
import { Gateway } from '../worker/gateway';
import { connectClient } from '../worker/temporal-connection';

/** What a terminal command needs: the config and a gateway over one Temporal connection. */
export interface Session {
  readonly config: AppConfig;
  readonly gateway: Gateway;
  close(): Promise<void>;
}

export async function openSession(config: AppConfig): Promise<Session> {
  const client = await connectClient(config.temporal);
  return {
    config,
    gateway: new Gateway(client, config),
    close: () => client.connection.close(),
  };
}
