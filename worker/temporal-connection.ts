import { Client, Connection } from '@temporalio/client';
import type { TemporalConfig } from '../core/config';

/** Opens a client connection; the error names the address and how to start the sandbox. */
export async function connectClient(cfg: TemporalConfig): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: cfg.address,
      tls: cfg.tls,
      ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}),
      connectTimeout: 5000,
    });
  } catch (e) {
    throw new Error(
      `cannot reach the Temporal server at ${cfg.address} (${(e as Error).message}). ` +
        `Locally: npm run sandbox -- up. Elsewhere: check temporal.address in the config.`,
    );
  }
  return new Client({ connection, namespace: cfg.namespace });
}
