import type { HelmProps } from '../../adapters/k8s/helm';
import { helmGetManifest, helmHistory, helmTemplate } from '../../adapters/k8s/helm';
import type { ReleaseLiveState } from '../../core/drift/kubernetes';
import { InvalidInput } from '../../core/errors';
import { diffManifests } from '../../core/k8s/manifest-diff';
import type { HelmReadRequest } from '../../core/k8s/request';
import { withChart } from './charts';
import type { K8sActivityInput, K8sDeps } from './deps';
import { prepare } from './deps';

/**
 * A catalog release as it is installed vs what the catalog's chart and values render (read only): the latest
 * revision (who wrote it: infra-agent's writes say `infra-agent <key>` in their description) and the field-level
 * diff `helm diff` shows, with the release as `before` (live) and the rendering as `after` (expected).
 */
export async function readReleaseDrift(
  deps: K8sDeps,
  input: K8sActivityInput<Extract<HelmReadRequest, { kind: 'helm-diff' }>>,
): Promise<ReleaseLiveState> {
  const { target, request } = await prepare(deps, input);
  if (request.kind !== 'helm-diff') throw new InvalidInput(`request: '${request.kind}' is not a helm diff`);
  const props: HelmProps = { run: deps.run, bin: deps.helmBin };
  const base = { release: request.release, namespace: request.namespace, checkedAt: new Date().toISOString() };
  const history = await helmHistory(props, target, request.namespace, request.release);
  const latest = history?.at(-1);
  if (!latest) return { ...base, changes: [], unchanged: 0 };
  const live = await helmGetManifest(props, target, request.namespace, request.release);
  const expected = await withChart(deps.chartRoot, request, (c) =>
    helmTemplate(props, target, request.namespace, request.release, c),
  );
  const { changes, unchanged } = diffManifests(live, expected, request.namespace);
  return {
    ...base,
    latest: {
      revision: latest.revision,
      status: latest.status,
      description: latest.description,
      updated: latest.updated,
      chart: latest.chart,
    },
    changes,
    unchanged,
  };
}
