import type { HelmProps } from '../../adapters/k8s/helm';
import { helmGetManifest, helmHistory, helmTemplate } from '../../adapters/k8s/helm';
import { kubectlRead } from '../../adapters/k8s/kubectl';
import { InvalidInput } from '../../core/errors';
import { isHelmRead, isKubectlRead } from '../../core/k8s/classify';
import { diffManifests } from '../../core/k8s/manifest-diff';
import type { HelmReadRequest, KubectlReadRequest } from '../../core/k8s/request';
import type { HelmReadResult, K8sReadResult } from '../../core/k8s/results';
import { table } from '../../core/k8s/summarize';
import { withChart } from './charts';
import type { K8sActivityInput, K8sDeps } from './deps';
import { cancellationSignal, prepare } from './deps';

/** get/describe/events/logs/rollout-status, summarised for chat. Reads run without approval. */
export async function k8sRead(deps: K8sDeps, input: K8sActivityInput<KubectlReadRequest>): Promise<K8sReadResult> {
  const { target, request, options } = await prepare(deps, input);
  if (!isKubectlRead(request))
    throw new InvalidInput(`request: '${request.kind}' is not a kubectl read; use helmRead or helmWrite`);
  const signal = cancellationSignal();
  return kubectlRead(
    { run: deps.run, bin: deps.kubectlBin },
    target,
    request,
    options,
    (deps.now ?? Date.now)(),
    signal,
  );
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
  return {
    kind: 'helm-diff',
    release: request.release,
    revision: deployed?.revision ?? 0,
    ...diffManifests(before, after, request.namespace),
  };
}
