import type { DescribeRequest } from '../../core/k8s/request';
import type { K8sReadResult } from '../../core/k8s/results';
import { truncateHead } from '../../core/k8s/summarize';
import type { RunCommand } from '../cli/run-command';
import { toolFailure } from './errors';
import type { KubeTarget } from './target';

/** How to run kubectl. */
export interface KubectlProps {
  readonly run: RunCommand;
  /** Path of kubectl (config `tools.kubectl`). */
  readonly bin: string;
  /** Default 60000. */
  readonly timeoutMs?: number;
}

/**
 * The exact argument array for a describe. The kubeconfig and context come first and from the target only.
 *
 * Describe is the one read left on kubectl ("kubectl where a CLI fits better"): its text — the object's fields,
 * its pods' states and its recent events, laid out by kubectl's describers — is what people expect to read, and
 * the API has no such form. Every other read goes through the API client (adapters/k8s/api-read.ts).
 */
export function kubectlDescribeArgv(target: KubeTarget, r: DescribeRequest): string[] {
  return [
    '--kubeconfig',
    target.kubeconfig,
    '--context',
    target.context,
    'describe',
    r.resource,
    r.name,
    '--namespace',
    r.namespace,
  ];
}

/** Runs `kubectl describe` and keeps the start of its text for chat. */
export async function kubectlDescribe(
  props: KubectlProps,
  target: KubeTarget,
  r: DescribeRequest,
  signal?: AbortSignal,
): Promise<K8sReadResult> {
  const res = await props.run({
    file: props.bin,
    args: kubectlDescribeArgv(target, r),
    timeoutMs: props.timeoutMs ?? 60_000,
    ...(signal ? { signal } : {}),
  });
  if (res.exitCode !== 0) throw toolFailure('kubectl', 'describe', res);
  return { kind: 'describe', ...truncateHead(res.stdout) };
}
