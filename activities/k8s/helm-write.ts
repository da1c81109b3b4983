import type { HelmProps, HelmRevision } from '../../adapters/k8s/helm';
import { helmHistory, helmInstallOrUpgrade, helmRollback } from '../../adapters/k8s/helm';
import { InvalidInput, OperationConflict } from '../../core/errors';
import { isHelmWrite } from '../../core/k8s/classify';
import type { HelmWriteRequest } from '../../core/k8s/request';
import type { HelmWriteResult } from '../../core/k8s/results';
import { activityToken } from '../iac/tokens';
import { withChart } from './charts';
import type { K8sActivityInput, K8sDeps } from './deps';
import { cancellationSignal, prepare } from './deps';

/** An approved install, upgrade or rollback. */
export interface HelmWriteInput extends K8sActivityInput<HelmWriteRequest> {
  /**
   * Same on every retry of this change, different for any other; default: derived from the workflow run and activity
   * id. Written into the revision's description, so a retry finds the revision its earlier attempt made.
   */
  readonly idempotencyKey?: string;
  /**
   * The release's latest revision when the change was approved. When the release has moved since (someone else
   * changed it), the write is refused rather than applied over a state nobody approved. Required for rollbacks,
   * which helm cannot tag with a description: it is how a retry recognises its own rollback.
   */
  readonly expectedRevision?: number;
}

const done = (r: HelmWriteRequest, rev: HelmRevision, alreadyApplied: boolean): HelmWriteResult => ({
  kind: r.kind,
  release: r.release,
  namespace: r.namespace,
  revision: rev.revision,
  status: rev.status,
  alreadyApplied,
});

/**
 * Runs an approved helm write at most once per idempotency key: before acting it reads the history and returns the
 * earlier attempt's revision when there is one (even one still `pending-*`: a second upgrade on top would be worse).
 */
export async function helmWrite(deps: K8sDeps, input: HelmWriteInput): Promise<HelmWriteResult> {
  const { target, request, options } = await prepare(deps, input);
  if (!isHelmWrite(request))
    throw new InvalidInput(`request: '${request.kind}' is not a helm write; use helmRead or k8sRead`);
  const props: HelmProps = { run: deps.run, bin: deps.helmBin };
  const { namespace, release } = request;
  const history = (await helmHistory(props, target, namespace, release)) ?? [];
  const latest = history.at(-1);
  const signal = cancellationSignal();

  if (request.kind === 'helm-rollback') {
    if (input.expectedRevision === undefined) {
      throw new InvalidInput('expectedRevision: a rollback needs the revision that was current when it was approved');
    }
    if (!latest) throw new InvalidInput(`release: '${release}' not found in namespace ${namespace}`);
    const ours =
      latest.revision === input.expectedRevision + 1 && latest.description === `Rollback to ${request.revision}`;
    if (ours) return done(request, latest, true);
    checkNotMoved(release, latest, input.expectedRevision);
    if (!history.some((h) => h.revision === request.revision)) {
      throw new InvalidInput(`revision: ${request.revision} is not in the history of '${release}'; see helm history`);
    }
    await helmRollback(props, target, namespace, release, request.revision, options, signal);
    const after = (await helmHistory(props, target, namespace, release))?.at(-1);
    if (!after) throw new Error(`helm rollback of '${release}' left no history`);
    return done(request, after, false);
  }

  const key = input.idempotencyKey ?? activityToken(`helm:${request.kind}:${namespace}/${release}`);
  const description = `infra-agent ${key}`;
  const earlier = history.find((h) => h.description === description);
  if (earlier) return done(request, earlier, true);
  checkNotMoved(release, latest, input.expectedRevision);
  if (request.kind === 'helm-install' && latest) {
    throw new OperationConflict(
      `release: '${release}' already exists in ${namespace} (revision ${latest.revision}); use upgrade`,
    );
  }
  if (request.kind === 'helm-upgrade' && !latest) {
    throw new InvalidInput(`release: '${release}' not found in namespace ${namespace}; use install`);
  }
  const op = request.kind === 'helm-install' ? 'install' : 'upgrade';
  const out = await withChart(deps.chartRoot, request, (c) =>
    helmInstallOrUpgrade(props, target, op, namespace, release, c, options, description, signal),
  );
  return { kind: request.kind, release, namespace, revision: out.revision, status: out.status, alreadyApplied: false };
}

function checkNotMoved(release: string, latest: HelmRevision | undefined, expected: number | undefined): void {
  if (expected === undefined) return;
  const current = latest?.revision ?? 0;
  if (current !== expected) {
    throw new OperationConflict(
      `release: '${release}' is at revision ${current}, not ${expected} as approved; someone changed it. Review and ask again.`,
    );
  }
}
