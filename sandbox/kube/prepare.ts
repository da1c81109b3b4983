import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeKubeconfig } from './kubeconfig';
import { apiserverUrl, kubePaths } from './paths';
import type { KubePaths } from './paths';
import { ensureCa, ensureCert, ensureServiceAccountKeys, ensureTokenFile } from './pki';
import { writeDefaultPodLogs } from './pod-logs';
import type { KubeSettings } from './settings';

/** The kwok stages (from kwok v0.8.0's kustomize/stage) that make simulated nodes and pods behave. */
export const STAGES_DIR = join(__dirname, 'stages');

export interface PreparedKube {
  readonly paths: KubePaths;
  /** The kubeconfig for the product and tests: context `sandbox`, cluster-admin client certificate, data embedded. */
  readonly kubeconfig: string;
  /** A static cluster-admin bearer token (also accepted by the apiserver). */
  readonly adminToken: string;
}

/**
 * Creates what the control plane needs before it starts: a CA, serving and client certificates, the
 * service-account key pair, a static admin token, one kubeconfig per component, the product kubeconfig,
 * the default pod logs and kwok's config (stages and the default ClusterLogs). Idempotent: existing keys and certificates are kept (kubeconfigs are rewritten, so a
 * changed port is picked up).
 */
export async function prepareKube(s: KubeSettings): Promise<PreparedKube> {
  const p = kubePaths(s);
  mkdirSync(p.pkiDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(s.kubeDir, 'kubeconfigs'), { recursive: true, mode: 0o700 });
  mkdirSync(p.etcdDataDir, { recursive: true, mode: 0o700 });

  const ca = await ensureCa(p.pkiDir);
  const loopback = { ipSans: [s.host], dnsSans: ['localhost'] };
  await ensureCert(p.pkiDir, ca, {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    ipSans: [s.host, s.kubernetesServiceIp],
    dnsSans: [
      'localhost',
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      'kubernetes.default.svc.cluster.local',
    ],
  });
  const admin = await ensureCert(p.pkiDir, ca, {
    name: 'admin',
    commonName: 'sandbox-admin',
    organization: 'system:masters',
    usages: ['clientAuth'],
  });
  // Controller-manager and scheduler use one certificate as client (their RBAC identity) and as server (:healthz).
  const cm = await ensureCert(p.pkiDir, ca, {
    name: 'controller-manager',
    commonName: 'system:kube-controller-manager',
    usages: ['serverAuth', 'clientAuth'],
    ...loopback,
  });
  const sched = await ensureCert(p.pkiDir, ca, {
    name: 'scheduler',
    commonName: 'system:kube-scheduler',
    usages: ['serverAuth', 'clientAuth'],
    ...loopback,
  });
  // kwok updates node and pod status of every simulated node: it acts as the cluster's kubelets.
  const kwok = await ensureCert(p.pkiDir, ca, {
    name: 'kwok',
    commonName: 'kwok-controller',
    organization: 'system:masters',
    usages: ['clientAuth'],
  });
  // kwok's server is every simulated node's kubelet endpoint (pod logs): the apiserver dials it at the node's
  // InternalIP (--node-ip, the sandbox host) and verifies this certificate against the sandbox CA.
  await ensureCert(p.pkiDir, ca, {
    name: 'kwok-serving',
    commonName: 'kwok-kubelet',
    usages: ['serverAuth'],
    ...loopback,
  });
  // The aggregation layer's client CA: the apiserver publishes it in kube-system/extension-apiserver-authentication,
  // where controller-manager and scheduler (and aggregated APIs) read it for delegated authentication.
  const frontProxyCa = await ensureCa(p.pkiDir, 'front-proxy-ca', 'infra-agent-sandbox-front-proxy-ca');
  await ensureCert(p.pkiDir, frontProxyCa, {
    name: 'front-proxy-client',
    commonName: 'front-proxy-client',
    usages: ['clientAuth'],
  });
  ensureServiceAccountKeys(p.pkiDir);
  const { token } = ensureTokenFile(p.tokenFile, 'sandbox-admin-token', ['system:masters']);

  const server = apiserverUrl(s);
  const common = { server, contextName: s.contextName, caFile: ca.cert };
  writeKubeconfig(p.controllerManagerKubeconfig, {
    ...common,
    userName: 'kube-controller-manager',
    certFile: cm.cert,
    keyFile: cm.key,
    embed: false,
  });
  writeKubeconfig(p.schedulerKubeconfig, {
    ...common,
    userName: 'kube-scheduler',
    certFile: sched.cert,
    keyFile: sched.key,
    embed: false,
  });
  writeKubeconfig(p.kwokKubeconfig, {
    ...common,
    userName: 'kwok-controller',
    certFile: kwok.cert,
    keyFile: kwok.key,
    embed: false,
  });
  writeKubeconfig(s.kubeconfig, {
    ...common,
    userName: 'sandbox-admin',
    certFile: admin.cert,
    keyFile: admin.key,
    embed: true,
  });
  writeKwokConfig(p.kwokConfig, [writeDefaultPodLogs(s)]);
  return { paths: p, kubeconfig: s.kubeconfig, adminToken: token };
}

/** All stage files and `extra` objects (the default ClusterLogs) in one multi-document config for `kwok --config`. */
function writeKwokConfig(path: string, extra: readonly object[]): void {
  const docs = readdirSync(STAGES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(STAGES_DIR, f), 'utf8').trim());
  docs.push(...extra.map((o) => stringify(o).trim()));
  writeFileSync(path, docs.join('\n---\n') + '\n');
}
