import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { KubeReadRequest } from '../core/commands/kube-reads';
import type { HelmReadResult, K8sReadResult } from '../core/k8s/results';
import type { ValidationReport } from '../core/validation';
import { shortActivity, toolActivity } from './activity-options';

const { describeStack } = proxyActivities<Activities>(shortActivity);
const { validateTemplates } = proxyActivities<Activities>(toolActivity);

export interface DescribeStackInput {
  readonly region: string;
  readonly stackName: string;
}

/** Read-only: a stack's status, outputs and events (front ends never call AWS themselves). */
export async function describeStackWorkflow(input: DescribeStackInput): ReturnType<Activities['describeStack']> {
  return describeStack(input);
}

/** Read-only: validate templates with cfn-lint, the NIST guard rules and the mandatory-tag check. */
export async function validateTemplatesWorkflow(input: { files: string[] }): Promise<ValidationReport> {
  return validateTemplates({ files: input.files });
}

const { k8sRead, helmRead } = proxyActivities<Activities>(shortActivity);

/** What a Kubernetes read command returns: a table (pods, deployments, events, helm history) or log text. */
export type KubeReadResult = K8sReadResult | HelmReadResult;

/**
 * Read-only: one kubectl read (pods, deployments, events, logs) or `helm history` in one environment's cluster.
 * The request was built from a typed command and the config (core/commands/kube-reads.ts); the agent validates
 * it again and runs it with the environment's kubeconfig and context only.
 */
export async function kubernetesReadWorkflow(input: KubeReadRequest): Promise<KubeReadResult> {
  return input.tool === 'helm'
    ? helmRead({ environment: input.environment, request: input.request })
    : k8sRead({ environment: input.environment, request: input.request });
}
