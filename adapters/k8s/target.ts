import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { KubeconfigView } from '../../core/k8s/kubeconfig-policy';
import { checkKubeconfig } from '../../core/k8s/kubeconfig-policy';

/** Which cluster a command acts on: always the environment's kubeconfig and context, set here and never by a request. */
export interface KubeTarget {
  readonly kubeconfig: string;
  readonly context: string;
}

/**
 * Reads the kubeconfig and refuses it when the context's user runs an exec credential plugin. Read on every call
 * (it is small) so an edited file cannot slip past a cached check.
 */
export async function checkKubeTarget(target: KubeTarget): Promise<void> {
  const view = parse(await readFile(target.kubeconfig, 'utf8')) as KubeconfigView | null;
  checkKubeconfig(view ?? {}, target.context, target.kubeconfig);
}
