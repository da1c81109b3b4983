import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  readonly server: string;
  readonly contextName: string;
  readonly userName: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Embed the PEM data (a self-contained file to hand out) instead of referring to the files. */
  readonly embed: boolean;
}

/** Writes a kubeconfig with one cluster, one user (client certificate) and one context, and makes it current. */
export function writeKubeconfig(path: string, k: KubeconfigSpec): void {
  const b64 = (file: string): string => readFileSync(file).toString('base64');
  const cluster = k.embed
    ? { server: k.server, 'certificate-authority-data': b64(k.caFile) }
    : { server: k.server, 'certificate-authority': k.caFile };
  const user = k.embed
    ? { 'client-certificate-data': b64(k.certFile), 'client-key-data': b64(k.keyFile) }
    : { 'client-certificate': k.certFile, 'client-key': k.keyFile };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: k.contextName, cluster }],
    users: [{ name: k.userName, user }],
    contexts: [{ name: k.contextName, context: { cluster: k.contextName, user: k.userName } }],
    'current-context': k.contextName,
    preferences: {},
  };
  writeFileSync(path, stringify(doc), { mode: 0o600 });
}
