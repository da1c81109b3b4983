import type { ServiceSpec } from '../services';
import { httpGet } from './http-check';
import { apiserverUrl, kubePaths } from './paths';
import type { KubeSettings } from './settings';
import { INSTALL_HINT } from './settings';

/** The label/annotation kwok selects its simulated nodes by. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

export function etcdService(s: KubeSettings): ServiceSpec {
  const p = kubePaths(s);
  const client = `http://${s.host}:${s.etcdPort}`;
  const peer = `http://${s.host}:${s.etcdPeerPort}`;
  return {
    name: 'etcd',
    command: s.bin.etcd,
    args: [
      '--name=sandbox',
      `--data-dir=${p.etcdDataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=sandbox=${peer}`,
      '--initial-cluster-state=new',
      ...(s.etcdNoFsync ? ['--unsafe-no-fsync'] : []),
      '--log-level=warn',
    ],
    ports: [s.etcdPort, s.etcdPeerPort],
    installHint: `${INSTALL_HINT} etcd`,
    url: client,
    healthy: async () => {
      const r = await httpGet(`${client}/health`);
      return r.status === 200 && /"health"\s*:\s*"true"/.test(r.body);
    },
  };
}

export function apiserverService(s: KubeSettings): ServiceSpec {
  const p = kubePaths(s);
  const url = apiserverUrl(s);
  return {
    name: 'kube-apiserver',
    command: s.bin.kubeApiserver,
    args: [
      `--etcd-servers=http://${s.host}:${s.etcdPort}`,
      `--bind-address=${s.host}`,
      `--advertise-address=${s.host}`,
      `--secure-port=${s.apiserverPort}`,
      `--cert-dir=${p.pkiDir}`,
      `--tls-cert-file=${p.apiserverCert}`,
      `--tls-private-key-file=${p.apiserverKey}`,
      `--client-ca-file=${p.caCert}`,
      `--token-auth-file=${p.tokenFile}`,
      `--requestheader-client-ca-file=${p.frontProxyCaCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${p.frontProxyClientCert}`,
      `--proxy-client-key-file=${p.frontProxyClientKey}`,
      `--service-account-key-file=${p.saPub}`,
      `--service-account-signing-key-file=${p.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${s.serviceClusterIpRange}`,
      '--authorization-mode=Node,RBAC',
      // Pod logs: the apiserver dials a node's "kubelet" (kwok's server) at its only address, the InternalIP kwok
      // sets (--node-ip), and verifies kwok's serving certificate (without this flag it would not verify at all).
      `--kubelet-certificate-authority=${p.caCert}`,
      '--allow-privileged=true',
      // No kubelets: the `kubernetes` Service endpoint would point at loopback, which Endpoints reject.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=0',
    ],
    ports: [s.apiserverPort],
    installHint: `${INSTALL_HINT} kube`,
    url,
    extra: { kubeconfig: s.kubeconfig, context: s.contextName },
    healthy: async () => {
      const r = await httpGet(`${url}/readyz`, { ca: p.caCert, cert: p.adminCert, key: p.adminKey });
      return r.status === 200 && r.body.trim() === 'ok';
    },
  };
}

export function controllerManagerService(s: KubeSettings): ServiceSpec {
  const p = kubePaths(s);
  const url = `https://${s.host}:${s.controllerManagerPort}`;
  return {
    name: 'kube-controller-manager',
    command: s.bin.kubeControllerManager,
    args: [
      `--kubeconfig=${p.controllerManagerKubeconfig}`,
      `--authentication-kubeconfig=${p.controllerManagerKubeconfig}`,
      `--authorization-kubeconfig=${p.controllerManagerKubeconfig}`,
      `--bind-address=${s.host}`,
      `--secure-port=${s.controllerManagerPort}`,
      `--tls-cert-file=${p.controllerManagerCert}`,
      `--tls-private-key-file=${p.controllerManagerKey}`,
      `--client-ca-file=${p.caCert}`,
      `--root-ca-file=${p.caCert}`,
      `--service-account-private-key-file=${p.saKey}`,
      `--cluster-signing-cert-file=${p.caCert}`,
      `--cluster-signing-key-file=${p.caKey}`,
      `--service-cluster-ip-range=${s.serviceClusterIpRange}`,
      '--use-service-account-credentials=true',
      '--leader-elect=false',
      '--profiling=false',
      '--v=0',
    ],
    ports: [s.controllerManagerPort],
    installHint: `${INSTALL_HINT} kube`,
    url,
    healthy: async () => (await httpGet(`${url}/healthz`, { ca: p.caCert })).status === 200,
  };
}

export function schedulerService(s: KubeSettings): ServiceSpec {
  const p = kubePaths(s);
  const url = `https://${s.host}:${s.schedulerPort}`;
  return {
    name: 'kube-scheduler',
    command: s.bin.kubeScheduler,
    args: [
      `--kubeconfig=${p.schedulerKubeconfig}`,
      `--authentication-kubeconfig=${p.schedulerKubeconfig}`,
      `--authorization-kubeconfig=${p.schedulerKubeconfig}`,
      `--bind-address=${s.host}`,
      `--secure-port=${s.schedulerPort}`,
      `--tls-cert-file=${p.schedulerCert}`,
      `--tls-private-key-file=${p.schedulerKey}`,
      `--client-ca-file=${p.caCert}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=0',
    ],
    ports: [s.schedulerPort],
    installHint: `${INSTALL_HINT} kube`,
    url,
    healthy: async () => (await httpGet(`${url}/healthz`, { ca: p.caCert })).status === 200,
  };
}

export function kwokService(s: KubeSettings): ServiceSpec {
  const p = kubePaths(s);
  const url = `http://${s.host}:${s.kwokPort}`;
  return {
    name: 'kwok',
    command: s.bin.kwok,
    args: [
      `--config=${p.kwokConfig}`,
      `--kubeconfig=${p.kwokKubeconfig}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
      `--cidr=${s.podCidr}`,
      `--node-ip=${s.host}`,
      `--server-address=${s.host}:${s.kwokPort}`,
      // The same port serves HTTPS (with our certificate) and HTTP (/healthz). node-initialize publishes it as each
      // node's kubelet port (status.daemonEndpoints), so `kubectl logs` reaches kwok's containerLogs endpoint.
      `--node-port=${s.kwokPort}`,
      `--tls-cert-file=${p.kwokServingCert}`,
      `--tls-private-key-file=${p.kwokServingKey}`,
      // Per-pod Logs objects (setPodLogs) are watched; the default ClusterLogs comes from --config.
      '--enable-crds=Logs',
      // Without a lease duration kwok renews no node Leases: ~50 s after start the node controller marks every
      // node NotReady and every pod not Ready, and kwok never makes them Ready again.
      '--node-lease-duration-seconds=40',
    ],
    ports: [s.kwokPort],
    installHint: `${INSTALL_HINT} kwok`,
    url,
    healthy: async () => (await httpGet(`${url}/healthz`)).status === 200,
  };
}

/** The control plane in start order. Call prepareKube(settings) before starting them. */
export function kubeServicesInOrder(s: KubeSettings): ServiceSpec[] {
  return [etcdService(s), apiserverService(s), controllerManagerService(s), schedulerService(s), kwokService(s)];
}
