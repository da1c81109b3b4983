import { NativeConnection, Worker } from '@temporalio/worker';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import type { TemporalConfig } from '../core/config';
import { temporalConnectionOptions } from './temporal-connection';

export interface CreateWorkerProps {
  readonly temporal: TemporalConfig;
  readonly activities: Activities;
  /** Defaults to the compiled or source `workflows/index` next to this file. */
  readonly workflowsPath?: string;
  /** A prebuilt bundle (tests build one per file instead of one per worker). */
  readonly workflowBundle?: { readonly code: string };
  /** The queue to poll; default `temporal.taskQueue` (an environment's own queue: core/task-queues.ts). */
  readonly taskQueue?: string;
  /** Reuse a connection (one per process, however many queues it polls); the caller closes it. */
  readonly connection?: NativeConnection;
  /** Time given to running activities on shutdown (Temporal's default is 0). Default 30s. */
  readonly shutdownGraceTime?: Duration;
}

/** Builds a worker polling the configured task queue. Callers own `run()` and shutdown. */
export async function createWorker(
  props: CreateWorkerProps,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = props.connection ?? (await NativeConnection.connect(temporalConnectionOptions(props.temporal)));
  const worker = await Worker.create({
    connection,
    namespace: props.temporal.namespace,
    taskQueue: props.taskQueue ?? props.temporal.taskQueue,
    ...(props.workflowBundle
      ? { workflowBundle: { code: props.workflowBundle.code } }
      : { workflowsPath: props.workflowsPath ?? require.resolve('../workflows') }),
    activities: props.activities,
    shutdownGraceTime: props.shutdownGraceTime ?? '30s',
  });
  return { worker, connection };
}
