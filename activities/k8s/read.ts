import { Context } from '@temporalio/activity';
import { apiRead } from '../../adapters/k8s/api-read';
import type { HelmProps } from '../../adapters/k8s/helm';
import { helmGetManifest, helmHistory, helmTemplate } from '../../adapters/k8s/helm';
import { kubectlDescribe } from '../../adapters/k8s/kubectl';
import { InvalidInput } from '../../core/errors';
import { isHelmRead, isKubectlRead } from '../../core/k8s/classify';
import { diffManifests } from '../../core/k8s/manifest-diff';
import { describeRenderedCollisions, renderedCollisions } from '../../core/k8s/ownership';
import type { HelmReadRequest, KubectlReadRequest } from '../../core/k8s/request';
import type { HelmReadResult, K8sReadResult } from '../../core/k8s/results';
import { table } from '../../core/k8s/summarize';
import { withChart } from './charts';
import type { K8sActivityInput, K8sDeps } from './deps';
import { cancellationSignal, prepare } from './deps';

/**
 * get/events/logs/rollout-status through the Kubernetes API client, describe through kubectl (its text is what
 * people expect; the API has no such form); summarised for chat. Reads run without approval. `prepare` refuses an
 * exec or auth-provider kubeconfig user before anything is read.
 */
export async function k8sRead(deps: K8sDeps, input: K8sActivityInput<KubectlReadRequest>): Promise<K8sReadResult> {
  const { target, request, options } = await prepare(deps, input);
  if (!isKubectlRead(request))
    throw new InvalidInput(`request: '${request.kind}' is not a Kubernetes read; use helmRead or helmWrite`);
  const signal = cancellationSignal();
  if (request.kind === 'describe')
    return kubectlDescribe({ run: deps.run, bin: deps.kubectlBin }, target, request, signal);
  return apiRead(target, request, options, {
    nowMs: (deps.now ?? Date.now)(),
    ...(signal ? { signal } : {}),
    // A rollout-status wait polls inside the activity: heartbeat so a cancellation reaches it.
    onPoll: heartbeat,
  });
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not inside an activity (a test calling the function directly): nothing to tell.
  }
}

/** helm history, or the diff an upgrade would make. Reads run without approval. */
export async function helmRead(deps: K8sDeps, input: K8sActivityInput<HelmReadRequest>): Promise<HelmReadResult> {
  const { target, request } = await prepare(deps, input);
  if (!isHelmRead(request))
    throw new InvalidInput(`request: '${request.kind}' is not a helm read; use k8sRead or helmWrite`);
  const props: HelmProps = { run: deps.run, bin: deps.helmBin };
  const history = await helmHistory(props, target, request.namespace, request.release);
  if (request.kind === 'helm-history') {
    if (!history) throw new InvalidInput(`release: '${request.release}' not found in namespace ${request.namespace}`);
    const rows = history.map((h) => [String(h.revision), h.updated.slice(0, 19), h.status, h.chart, h.description]);
    // Newest first in chat: the latest revision is what people ask about.
    return {
      kind: 'helm-history',
      release: request.release,
      table: table(['REVISION', 'UPDATED', 'STATUS', 'CHART', 'DESCRIPTION'], rows.reverse()),
    };
  }
  const deployed = history?.filter((h) => h.status === 'deployed').at(-1);
  const before = deployed ? await helmGetManifest(props, target, request.namespace, request.release) : [];
  const after = await withChart(deps.chartRoot, request, (c) =>
    helmTemplate(props, target, request.namespace, request.release, c),
  );
  // A release that would render a rollout's Service or Deployment takes it over and breaks both: refused here, so
  // neither `helm diff` nor an install or upgrade's approval preview offers it.
  const collisions = renderedCollisions(after, request.namespace, [], deps.rolloutServices?.(input.environment) ?? []);
  if (collisions.length) throw new InvalidInput(describeRenderedCollisions(request.release, collisions));
  return {
    kind: 'helm-diff',
    release: request.release,
    revision: deployed?.revision ?? 0,
    ...diffManifests(before, after, request.namespace),
  };
}
