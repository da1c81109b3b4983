import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from '../core/config';

/**
 * How the client and the worker connect: address, TLS and API key from the config. `tls` files (mTLS for a
 * Temporal cluster or Temporal Cloud) are read here, at connect time, and go nowhere else: not into logs, not into
 * workflow history. A file that cannot be read names the setting.
 */
export function temporalConnectionOptions(cfg: TemporalConfig): {
  address: string;
  tls: boolean | TLSConfig;
  apiKey?: string;
} {
  return { address: cfg.address, tls: tlsOf(cfg.tls), ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) };
}

function tlsOf(tls: TemporalConfig['tls']): boolean | TLSConfig {
  if (typeof tls === 'boolean') return tls;
  const read = (setting: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(
        `temporal.tls.${setting} '${path}' cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
  };
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caFile ? { serverRootCACertificate: read('caFile', tls.caFile) } : {}),
    ...(tls.certFile && tls.keyFile
      ? { clientCertPair: { crt: read('certFile', tls.certFile), key: read('keyFile', tls.keyFile) } }
      : {}),
  };
}

/** Opens a client connection; the error names the address and how to start the sandbox. */
export async function connectClient(cfg: TemporalConfig): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(cfg), connectTimeout: 5000 });
  } catch (e) {
    throw new Error(
      `cannot reach the Temporal server at ${cfg.address} (${(e as Error).message}). ` +
        `Locally: npm run sandbox -- up. Elsewhere: check temporal.address${cfg.tls ? ' and temporal.tls' : ''} in the config.`,
    );
  }
  return new Client({ connection, namespace: cfg.namespace });
}
