import { isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KubeReadRequest } from '../core/commands/kube-reads';
import type { LogExportDestination } from '../core/k8s/log-export';
import type { KubeReadResult } from '../core/commands/results';
import type { ValidationReport } from '../core/validation';
import { heartbeatCallActivity, heartbeatToolActivity, sendOnceActivity, shortActivity } from './activity-options';

const { describeStack } = proxyActivities<Activities>(shortActivity);
const { validateTemplates } = proxyActivities<Activities>(heartbeatToolActivity);

export interface DescribeStackInput {
  readonly region: string;
  readonly stackName: string;
}

/** Read-only: a stack's status, outputs and events (front ends never call AWS themselves). */
export async function describeStackWorkflow(input: DescribeStackInput): ReturnType<Activities['describeStack']> {
  return describeStack(input);
}

/** Read-only: validate templates with cfn-lint, the NIST guard rules and the mandatory-tag check. */
export async function validateTemplatesWorkflow(input: {
  files: string[];
  /** The current template of a deployed stack, instead of (or beside) files. */
  deployed?: { region: string; stackName: string; environment: string };
  /** A file shared with the bot in Slack (file id). */
  slackFile?: string;
  /** Who asked: applied suppressions are audited under this workflow's id, naming them. */
  actor?: string;
}): Promise<ValidationReport> {
  if (!input.actor) return validateTemplates({ files: input.files });
  const { workflowId } = workflowInfo();
  return validateTemplates({
    files: input.files,
    ...(input.deployed ? { deployed: input.deployed } : {}),
    ...(input.slackFile ? { slackFile: input.slackFile } : {}),
    audit: { key: workflowId, actor: input.actor, operationId: workflowId },
  });
}

const { k8sRead, helmRead, recordAudit } = proxyActivities<Activities>(heartbeatCallActivity);
// Sending a file is not idempotent in Slack: one retry at most (a lost answer could send it twice to the same person).
const { exportPodLog } = proxyActivities<Activities>(sendOnceActivity);

export type { KubeReadResult } from '../core/commands/results';

/** Input of kubernetesReadWorkflow: the read, and for pod logs where the full text may go and who asked. */
export type KubeReadInput = KubeReadRequest & {
  readonly exportLog?: { readonly destination: LogExportDestination; readonly actor: string };
};

/**
 * Read-only: one Kubernetes read (pods, deployments, events, logs, rollout status, describe) or helm read (history,
 * diff) in one environment's cluster.
 * The request was built from a typed command and the config (core/commands/kube-reads.ts); the agent validates
 * it again and runs it with the environment's kubeconfig and context only.
 */
export async function kubernetesReadWorkflow(input: KubeReadInput): Promise<KubeReadResult> {
  if (input.tool === 'helm') return helmRead({ environment: input.environment, request: input.request });
  const result = await k8sRead({ environment: input.environment, request: input.request });
  const req = input.request;
  // Chat shows the last lines; when there may be more (cut for chat, or as many lines as asked for), the full
  // log goes to the person who asked — only there, and only its size and digest are kept.
  if (
    !input.exportLog ||
    result.kind !== 'logs' ||
    req.kind !== 'logs' ||
    (!result.truncated && result.totalLines < result.tailLines)
  ) {
    return result;
  }
  const { workflowId } = workflowInfo();
  try {
    const exported = await exportPodLog({
      environment: input.environment,
      request: req,
      destination: input.exportLog.destination,
    });
    await recordAudit({
      key: `${workflowId}/log-exported`,
      action: 'log-exported',
      actor: input.exportLog.actor,
      operationId: workflowId,
      environment: input.environment,
      target: `${req.namespace}/${req.pod}`,
      details: { ...exported },
    });
    return { ...result, exported };
  } catch (e) {
    if (isCancellation(e)) throw e;
    // The excerpt is still an answer: say why the rest could not be sent instead of failing the read.
    let root: unknown = e;
    while (root instanceof Error && root.cause instanceof Error) root = root.cause;
    return { ...result, exportError: root instanceof Error ? root.message : String(root) };
  }
}
