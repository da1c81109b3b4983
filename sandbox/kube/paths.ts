import { join } from 'node:path';
import type { KubeSettings } from './settings';

/** Every file the control plane reads, under `<sandboxStateDir>/kube`. prepareKube() creates them. */
export interface KubePaths {
  readonly pkiDir: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly apiserverCert: string;
  readonly apiserverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly frontProxyCaCert: string;
  readonly frontProxyClientCert: string;
  readonly frontProxyClientKey: string;
  readonly saKey: string;
  readonly saPub: string;
  readonly tokenFile: string;
  readonly etcdDataDir: string;
  readonly controllerManagerKubeconfig: string;
  readonly schedulerKubeconfig: string;
  readonly kwokKubeconfig: string;
  readonly controllerManagerCert: string;
  readonly controllerManagerKey: string;
  readonly schedulerCert: string;
  readonly schedulerKey: string;
  readonly kwokConfig: string;
  /** kwok's serving certificate (its kubelet endpoint: pod logs), signed by the sandbox CA for the node IP. */
  readonly kwokServingCert: string;
  readonly kwokServingKey: string;
  /** Files kwok serves as container logs (CRI log format): the cluster default and one set per pod (pod-logs.ts). */
  readonly podLogsDir: string;
}

export function kubePaths(s: KubeSettings): KubePaths {
  const pki = join(s.kubeDir, 'pki');
  const kc = join(s.kubeDir, 'kubeconfigs');
  return {
    pkiDir: pki,
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    apiserverCert: join(pki, 'apiserver.crt'),
    apiserverKey: join(pki, 'apiserver.key'),
    adminCert: join(pki, 'admin.crt'),
    adminKey: join(pki, 'admin.key'),
    frontProxyCaCert: join(pki, 'front-proxy-ca.crt'),
    frontProxyClientCert: join(pki, 'front-proxy-client.crt'),
    frontProxyClientKey: join(pki, 'front-proxy-client.key'),
    saKey: join(pki, 'sa.key'),
    saPub: join(pki, 'sa.pub'),
    tokenFile: join(pki, 'tokens.csv'),
    etcdDataDir: join(s.kubeDir, 'etcd'),
    controllerManagerKubeconfig: join(kc, 'controller-manager.kubeconfig'),
    schedulerKubeconfig: join(kc, 'scheduler.kubeconfig'),
    kwokKubeconfig: join(kc, 'kwok.kubeconfig'),
    controllerManagerCert: join(pki, 'controller-manager.crt'),
    controllerManagerKey: join(pki, 'controller-manager.key'),
    schedulerCert: join(pki, 'scheduler.crt'),
    schedulerKey: join(pki, 'scheduler.key'),
    kwokConfig: join(s.kubeDir, 'kwok.yaml'),
    kwokServingCert: join(pki, 'kwok-serving.crt'),
    kwokServingKey: join(pki, 'kwok-serving.key'),
    podLogsDir: join(s.kubeDir, 'pod-logs'),
  };
}

export function apiserverUrl(s: KubeSettings): string {
  return `https://${s.host}:${s.apiserverPort}`;
}
