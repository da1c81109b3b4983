import { Context } from '@temporalio/activity';
import type { HelmProps, HelmRevision } from '../../adapters/k8s/helm';
import {
  helmHistory,
  helmInstallOrUpgrade,
  helmLatestIsMarked,
  helmRollback,
  helmUninstall,
} from '../../adapters/k8s/helm';
import type { KubeTarget } from '../../adapters/k8s/target';
import { InvalidInput, OperationConflict } from '../../core/errors';
import { isHelmWrite } from '../../core/k8s/classify';
import type { K8sOptions } from '../../core/k8s/flags';
import type { HelmRollbackRequest, HelmWriteRequest } from '../../core/k8s/request';
import type { HelmWriteResult } from '../../core/k8s/results';
import { activityToken } from '../iac/tokens';
import { withChart } from './charts';
import type { K8sActivityInput, K8sDeps } from './deps';
import { cancellationSignal, prepare } from './deps';

/** An approved install, upgrade or rollback. */
export interface HelmWriteInput extends K8sActivityInput<HelmWriteRequest> {
  /**
   * Same on every retry of this change, different for any other; default: derived from the workflow run and activity
   * id. Written into the revision's label (from the start) and description (on completion), so a retry finds the
   * revision its earlier attempt made, finished or not. A Kubernetes label value: letters, digits, `-_.`, ≤ 63.
   */
  readonly idempotencyKey?: string;
  /**
   * The release's latest revision when the change was approved. When the release has moved since (someone else
   * changed it), the write is refused rather than applied over a state nobody approved. Required for rollbacks,
   * which helm cannot tag with a description: it is how a retry recognises its own rollback.
   */
  readonly expectedRevision?: number;
  /** How often to heartbeat while helm runs; default 5000 ms (the workflow's heartbeat timeout is 30 s). */
  readonly heartbeatEveryMs?: number;
}

/** What one attempt works with. */
interface WriteContext {
  readonly props: HelmProps;
  readonly target: KubeTarget;
  readonly options: K8sOptions;
  readonly signal: AbortSignal | undefined;
}

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const isPending = (r: HelmRevision): boolean => r.status.startsWith('pending-');

const done = (r: HelmWriteRequest, rev: HelmRevision, alreadyApplied: boolean): HelmWriteResult => ({
  kind: r.kind,
  release: r.release,
  namespace: r.namespace,
  revision: rev.revision,
  status: rev.status,
  alreadyApplied,
});

/**
 * Runs an approved helm write at most once per idempotency key, heartbeating while helm runs (a dead worker's attempt
 * is retried within the heartbeat timeout, not the 15-minute start-to-close). Before acting it reads the history:
 * - the earlier attempt finished (deployed or failed): its revision is the result, nothing is run again;
 * - the earlier attempt died mid-write (its revision still `pending-*`: helm never finishes a pending revision once
 *   its process is gone): that revision is undone — uninstalled for a first install, rolled back to the revision
 *   before it for an upgrade, rolled back again for a rollback — and the approved write is done again.
 */
export async function helmWrite(deps: K8sDeps, input: HelmWriteInput): Promise<HelmWriteResult> {
  const { target, request, options } = await prepare(deps, input);
  if (!isHelmWrite(request))
    throw new InvalidInput(`request: '${request.kind}' is not a helm write; use helmRead or k8sRead`);
  const ctx: WriteContext = {
    props: { run: deps.run, bin: deps.helmBin },
    target,
    options,
    signal: cancellationSignal(),
  };
  return whileHeartbeating(input.heartbeatEveryMs ?? 5_000, () =>
    request.kind === 'helm-rollback'
      ? rollback(ctx, request, input.expectedRevision)
      : installOrUpgrade(deps, ctx, request, input),
  );
}

async function installOrUpgrade(
  deps: K8sDeps,
  ctx: WriteContext,
  request: Exclude<HelmWriteRequest, HelmRollbackRequest>,
  input: HelmWriteInput,
): Promise<HelmWriteResult> {
  const { props, target, options, signal } = ctx;
  const { namespace, release } = request;
  const key = input.idempotencyKey ?? activityToken(`helm:${request.kind}:${namespace}/${release}`);
  if (!LABEL_VALUE.test(key)) {
    throw new InvalidInput(`idempotencyKey: '${key}' must be a label value (letters, digits, - _ ., at most 63)`);
  }
  const history = (await helmHistory(props, target, namespace, release)) ?? [];
  const earlier = history.find((h) => h.description === `infra-agent ${key}`);
  if (earlier) return done(request, earlier, true);

  // Only a revision helm did not finish as ours (pending, or failed: helm replaces the description) needs the label.
  const latest = history.at(-1);
  const unfinished = latest && (isPending(latest) || latest.status === 'failed');
  const mine = unfinished && (await helmLatestIsMarked(props, target, namespace, release, key)) ? latest : undefined;
  if (request.kind === 'helm-install') {
    if (latest && !(mine && latest.revision === 1)) {
      throw new OperationConflict(
        `release: '${release}' already exists in ${namespace} (revision ${latest.revision}); use upgrade`,
      );
    }
  } else {
    if (!latest) throw new InvalidInput(`release: '${release}' not found in namespace ${namespace}; use install`);
    checkOwnChain(release, history, input.expectedRevision, mine?.revision);
  }
  if (mine && !isPending(mine)) return done(request, mine, true); // our earlier attempt ran to a failure
  if (mine) {
    // The attempt that wrote it is dead (the server timed out its heartbeats), and helm with it.
    if (request.kind === 'helm-install') await helmUninstall(props, target, namespace, release, options, signal);
    else await helmRollback(props, target, namespace, release, mine.revision - 1, options, signal);
  }
  const op = request.kind === 'helm-install' ? 'install' : 'upgrade';
  const out = await withChart(deps.chartRoot, request, (c) =>
    helmInstallOrUpgrade(props, target, op, namespace, release, c, options, key, signal),
  );
  return { kind: request.kind, release, namespace, revision: out.revision, status: out.status, alreadyApplied: false };
}

async function rollback(
  ctx: WriteContext,
  request: HelmRollbackRequest,
  expected: number | undefined,
): Promise<HelmWriteResult> {
  const { props, target, options, signal } = ctx;
  const { namespace, release } = request;
  if (expected === undefined) {
    throw new InvalidInput('expectedRevision: a rollback needs the revision that was current when it was approved');
  }
  const history = (await helmHistory(props, target, namespace, release)) ?? [];
  const latest = history.at(-1);
  if (!latest) throw new InvalidInput(`release: '${release}' not found in namespace ${namespace}`);
  // Ours: every revision since the approval is a rollback to the approved target (one, or more after interruptions).
  const since = history.filter((h) => h.revision > expected);
  const ours =
    since.length > 0 &&
    since[0]?.revision === expected + 1 &&
    since.every((h) => h.description === `Rollback to ${request.revision}`);
  if (ours && !isPending(latest)) return done(request, latest, true);
  if (!ours) {
    checkNotMoved(release, latest, expected);
    if (!history.some((h) => h.revision === request.revision)) {
      throw new InvalidInput(`revision: ${request.revision} is not in the history of '${release}'; see helm history`);
    }
  }
  // A pending rollback of ours died with its worker: helm rolls back over a pending revision, so run it again.
  await helmRollback(props, target, namespace, release, request.revision, options, signal);
  const after = (await helmHistory(props, target, namespace, release))?.at(-1);
  if (!after) throw new Error(`helm rollback of '${release}' left no history`);
  return done(request, after, false);
}

/**
 * An upgrade may go ahead when the release is still at the approved revision, or has only moved by this write's own
 * interrupted attempts: each one (ours, left pending) followed by the rollback that undid it (`Rollback to` the
 * revision before it), and possibly, as the latest, our attempt that helm did not finish (`ownRevision`).
 */
export function checkOwnChain(
  release: string,
  history: readonly HelmRevision[],
  expected: number | undefined,
  ownRevision: number | undefined,
): void {
  if (expected === undefined) return;
  const latest = history.at(-1);
  const own =
    (latest?.revision ?? 0) >= expected &&
    history
      .filter((h) => h.revision > expected)
      .every((h) => {
        const step = h.revision - expected;
        if (step % 2 === 0) return h.description === `Rollback to ${h.revision - 2}`;
        return h.revision === ownRevision || (h.revision !== latest?.revision && h.status === 'superseded');
      });
  if (!own) checkNotMoved(release, latest, expected);
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

/**
 * Runs `work` heartbeating every `everyMs` inside an activity: with the workflow's heartbeat timeout, the server
 * notices a dead worker within seconds and hands the write to another; heartbeats also deliver cancellation.
 */
async function whileHeartbeating<T>(everyMs: number, work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work(); // outside an activity (tests calling the function directly)
  }
  const beat = ctx;
  beat.heartbeat();
  const timer = setInterval(() => beat.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
