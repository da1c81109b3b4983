/**
 * The sandbox's local Kubernetes control plane: etcd 3.6, kube-apiserver, kube-controller-manager, kube-scheduler
 * (v1.34.2, built by bootstrap-kube.sh) and kwok simulating the nodes. Entry point for the sandbox CLI and tests.
 */
import type { ServiceSpec } from '../services';
import type { KubeSettings } from './settings';
import { kubeServicesInOrder } from './specs';

export { kubeSettings, kubeVersions, INSTALL_HINT } from './settings';
export type { KubeSettings, KubeVersions } from './settings';
export { prepareKube } from './prepare';
export type { PreparedKube } from './prepare';
export { installCrds } from './crds';
export { appendPodLogs, clearPodLogs, setPodLogs } from './pod-logs';
export type { PodLogsFiles, PodLogsSpec, SetPodLogsOptions } from './pod-logs';
export { createSimulatedNodes, readyNodes, waitNodesReady } from './nodes';
export { upKube } from './lifecycle';
export type { UpKubeOptions } from './lifecycle';
export {
  KWOK_NODE_ANNOTATION,
  apiserverService,
  controllerManagerService,
  etcdService,
  kwokService,
  schedulerService,
} from './specs';

/** etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok: in start order. Call prepareKube first. */
export function kubeServices(settings: KubeSettings): ServiceSpec[] {
  return kubeServicesInOrder(settings);
}
