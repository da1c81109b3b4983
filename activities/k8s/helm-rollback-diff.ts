import type { HelmProps } from '../../adapters/k8s/helm';
import { helmGetManifest, helmHistory } from '../../adapters/k8s/helm';
import { InvalidInput } from '../../core/errors';
import { diffManifests } from '../../core/k8s/manifest-diff';
import type { HelmRollbackRequest } from '../../core/k8s/request';
import type { HelmRollbackDiff } from '../../core/k8s/results';
import type { K8sActivityInput, K8sDeps } from './deps';
import { prepare } from './deps';

/**
 * What a rollback would change: the release's latest manifest vs the target revision's (`helm get manifest
 * --revision N`), field by field, and the latest revision (the approval is bound to it). Reads only.
 */
export async function helmRollbackDiff(
  deps: K8sDeps,
  input: K8sActivityInput<HelmRollbackRequest>,
): Promise<HelmRollbackDiff> {
  const { target, request } = await prepare(deps, input);
  if (request.kind !== 'helm-rollback') throw new InvalidInput(`request: '${request.kind}' is not a helm rollback`);
  const props: HelmProps = { run: deps.run, bin: deps.helmBin };
  const { namespace, release } = request;
  const history = await helmHistory(props, target, namespace, release);
  const latest = history?.at(-1);
  if (!history || !latest) throw new InvalidInput(`release: '${release}' not found in namespace ${namespace}`);
  if (!history.some((h) => h.revision === request.revision)) {
    throw new InvalidInput(
      `revision: ${request.revision} is not in the last ${history.length} revisions of '${release}'; see helm history`,
    );
  }
  const before = await helmGetManifest(props, target, namespace, release);
  const after = await helmGetManifest(props, target, namespace, release, request.revision);
  const { changes, unchanged } = diffManifests(before, after, namespace);
  return {
    release,
    revision: latest.revision,
    status: latest.status,
    description: latest.description,
    toRevision: request.revision,
    changes,
    unchanged,
  };
}
