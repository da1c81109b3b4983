import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
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
