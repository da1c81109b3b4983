import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, startChild } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FindIdleInput } from '../core/cost/idle';
import { reapRefusal } from '../core/cost/idle';
import type { EnvironmentName } from '../core/environments';
import { formatOperationId } from '../core/operation-id';
import { heartbeatCallActivity } from './activity-options';
import type { ReapInput } from './definitions';
import { reapWorkflow } from './reap';

const { findIdleResources } = proxyActivities<Activities>(heartbeatCallActivity);

/** Input of the scheduled reap (Temporal Schedule `<queue>/reap/dev`), made from config by the worker. */
export interface ScheduledReapInput {
  readonly environment: EnvironmentName;
  /** What `idle {env}` looks at (the run's clock is added as `nowIso`). */
  readonly idle: Omit<FindIdleInput, 'nowIso'>;
  /** Each reap's input but the resource: notice and keep periods, requester (the schedule), where the notice goes. */
  readonly reap: Omit<ReapInput, 'operationId' | 'resourceId'>;
}

export interface ScheduledReapResult {
  /** Set when the environment is not DEV: nothing was looked at or started. */
  readonly refused?: string;
  /** Reaps started: each posts its notice (with Keep) and deletes after it unless kept. */
  readonly started: readonly string[];
  /** Reapable resources whose reap already runs (a notice from an earlier run or a person): left to it. */
  readonly alreadyUnderNotice: readonly string[];
  /** Reapable but kept (keep-until in the future): left alone. */
  readonly kept: readonly string[];
}

/**
 * The scheduled reap, DEV only: what `idle dev` finds reapable (volumes, Elastic IPs, snapshots; not kept) gets the
 * same reap a person starts with `reap {resource} dev` — its notice in the channel with the Keep button, the deletion
 * after the notice unless kept (workflows/reap.ts). Each reap runs on as its own operation (`reap/dev/<id>`, the
 * lock): this run only starts them (parent close ABANDON), so it ends long before their notices do.
 */
export async function scheduledReapWorkflow(input: ScheduledReapInput): Promise<ScheduledReapResult> {
  // Refused in code whatever the config or the Schedule says (the reap itself refuses again, and so do its activities).
  const refused = reapRefusal(input.environment);
  if (refused) return { refused, started: [], alreadyUnderNotice: [], kept: [] };
  const now = new Date();
  const report = await findIdleResources({ ...input.idle, nowIso: now.toISOString() });
  const reapable = report.resources.filter((r) => r.reapable);
  const isKept = (until?: string): boolean => until !== undefined && Date.parse(until) > now.getTime();
  const started: string[] = [];
  const alreadyUnderNotice: string[] = [];
  for (const r of reapable.filter((x) => !isKept(x.keepUntil))) {
    const operationId = formatOperationId('reap', input.environment, r.id);
    try {
      await startChild(reapWorkflow, {
        workflowId: operationId,
        args: [{ ...input.reap, operationId, resourceId: r.id }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        memo: { requester: input.reap.requester },
        searchAttributes: {
          InfraEnvironment: [input.environment],
          InfraRequester: [input.reap.requester.userId],
          InfraTarget: [r.id],
          InfraKind: ['reap'],
        },
      });
      started.push(r.id);
    } catch (e) {
      if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
      alreadyUnderNotice.push(r.id);
    }
  }
  return { started, alreadyUnderNotice, kept: reapable.filter((x) => isKept(x.keepUntil)).map((x) => x.id) };
}
