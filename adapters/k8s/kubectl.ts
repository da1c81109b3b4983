import type { K8sOptions } from '../../core/k8s/flags';
import type { KubectlReadRequest } from '../../core/k8s/request';
import { DEFAULT_TAIL_LINES } from '../../core/k8s/request';
import type { K8sReadResult } from '../../core/k8s/results';
import { truncateHead, truncateTail } from '../../core/k8s/summarize';
import type { RunCommand } from '../cli/run-command';
import { toolFailure } from './errors';
import { eventsTable, itemsTable } from './tables';
import type { KubeTarget } from './target';

/** How to run kubectl. */
export interface KubectlProps {
  readonly run: RunCommand;
  /** Path of kubectl (config `tools.kubectl`). */
  readonly bin: string;
  /** Default 60000. Rollout status waits add their own timeout on top. */
  readonly timeoutMs?: number;
}

/**
 * The exact argument array for a validated read. The kubeconfig and context come first and from the target only;
 * reads that have a JSON form ask for it so nothing depends on kubectl's table layout.
 */
export function kubectlArgv(target: KubeTarget, r: KubectlReadRequest, options: K8sOptions): string[] {
  const base = ['--kubeconfig', target.kubeconfig, '--context', target.context];
  switch (r.kind) {
    case 'get':
      return [
        ...base,
        'get',
        r.resource,
        ...(r.name ? [r.name] : []),
        '--namespace',
        r.namespace,
        ...(r.selector ? ['--selector', r.selector] : []),
        '--output',
        'json',
      ];
    case 'describe':
      // describe has no JSON form; its text is cut for chat.
      return [...base, 'describe', r.resource, r.name, '--namespace', r.namespace];
    case 'events':
      return [
        ...base,
        'events',
        '--namespace',
        r.namespace,
        ...(r.forObject ? ['--for', `${r.forObject.resource}/${r.forObject.name}`] : []),
        '--output',
        'json',
      ];
    case 'logs':
      return [
        ...base,
        'logs',
        r.pod,
        '--namespace',
        r.namespace,
        ...(r.container ? ['--container', r.container] : []),
        '--tail',
        String(r.tailLines ?? DEFAULT_TAIL_LINES),
        ...(options.previous ? ['--previous'] : []),
      ];
    case 'rollout-status':
      return [
        ...base,
        'rollout',
        'status',
        `${r.resource}/${r.name}`,
        '--namespace',
        r.namespace,
        // Without a timeout the answer is the current state: a chat read must not block on a stuck rollout.
        ...(r.timeoutSeconds ? ['--timeout', `${r.timeoutSeconds}s`] : ['--watch=false']),
      ];
  }
}

/** Runs a validated read and summarises its output for chat. */
export async function kubectlRead(
  props: KubectlProps,
  target: KubeTarget,
  r: KubectlReadRequest,
  options: K8sOptions,
  nowMs: number = Date.now(),
  signal?: AbortSignal,
): Promise<K8sReadResult> {
  const waitMs = r.kind === 'rollout-status' ? (r.timeoutSeconds ?? 0) * 1000 : 0;
  const res = await props.run({
    file: props.bin,
    args: kubectlArgv(target, r, options),
    timeoutMs: (props.timeoutMs ?? 60_000) + waitMs,
    ...(signal ? { signal } : {}),
  });
  if (r.kind === 'rollout-status') {
    // A rollout that is not finished within the timeout exits non-zero: that is an answer, not a failure.
    // The last line is the current state; earlier ones are progress already superseded.
    const message = (res.stdout.trim() || res.stderr.trim()).split('\n').at(-1) ?? '';
    if (res.exitCode !== 0 && !/timed out|exceeded its progress deadline/i.test(res.stderr)) {
      throw toolFailure('kubectl', 'rollout status', res);
    }
    return { kind: 'rollout-status', done: res.exitCode === 0 && /successfully rolled out/.test(res.stdout), message };
  }
  if (res.exitCode !== 0) throw toolFailure('kubectl', r.kind, res);
  switch (r.kind) {
    case 'get': {
      const parsed = JSON.parse(res.stdout) as { items?: unknown[]; kind?: string };
      // One named object comes back bare, a list comes back with items.
      const items = (parsed.items ?? [parsed]) as Parameters<typeof itemsTable>[1];
      return { kind: 'get', resource: r.resource, table: itemsTable(r.resource, items, nowMs) };
    }
    case 'events': {
      const parsed = JSON.parse(res.stdout) as { items?: Parameters<typeof eventsTable>[0] };
      return { kind: 'events', table: eventsTable(parsed.items ?? [], nowMs) };
    }
    case 'describe':
      return { kind: 'describe', ...truncateHead(res.stdout) };
    case 'logs':
      return { kind: 'logs', pod: r.pod, tailLines: r.tailLines ?? DEFAULT_TAIL_LINES, ...truncateTail(res.stdout) };
  }
}
