import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StackOperationInput } from '../workflows/definitions';
import { shortActivity, toolActivity, waitActivity } from '../workflows/activity-options';

const { validateTemplates } = proxyActivities<Activities>(toolActivity);
const { createChangeSet, waitForStackStable } = proxyActivities<Activities>(waitActivity);
const { executeChangeSet } = proxyActivities<Activities>(shortActivity);

/**
 * The floor for bench:workflows: the same activity calls as deployStackWorkflow (validate, change set,
 * execute, wait) with no approval, audit, queries or state. Returns when each milestone was reached.
 */
export async function floorDeployWorkflow(
  input: StackOperationInput,
): Promise<{ previewAt: number; executeStartAt: number }> {
  await validateTemplates({ files: [input.stack.templatePath], environment: input.environment });
  const cs = await createChangeSet({
    region: input.region,
    stackName: input.stack.stackName,
    templatePath: input.stack.templatePath,
    parameters: input.parameters,
    tags: input.tags,
    pollMs: input.tuning?.pollMs ?? 100,
  });
  const previewAt = Date.now();
  const executeStartAt = Date.now();
  const ref = { region: input.region, stackName: input.stack.stackName, changeSetName: cs.changeSetName };
  const r = await executeChangeSet(ref);
  await waitForStackStable({ ...ref, sinceIso: r.startedAt, pollMs: input.tuning?.pollMs ?? 100 });
  return { previewAt, executeStartAt };
}
