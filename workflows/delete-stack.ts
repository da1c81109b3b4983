import type { OperationState } from '../core/operations';
import type { StackOperationInput } from './definitions';
import { activeFreeze, awaitDecision, resolvePolicy, withFailureOutcome } from './approval-flow';
import { audit } from './audit-activity';
import { beginStackOperation, executeApproved } from './stack-operation';

/** preview (every resource that will go) → approval bound to the stack id → delete once → wait. */
export async function deleteStackWorkflow(input: StackOperationInput): Promise<OperationState> {
  const { op, acts, notifier, finish } = beginStackOperation(input, 'delete-stack');

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      delete: true,
    });
    notifier.send(op.state, 'requested');
    const freeze = activeFreeze(policy);
    if (freeze) return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);

    const preview = await acts.previewStackDeletion({ region: input.region, stackName: input.stack.stackName });
    op.update({ preview });
    await audit(acts, op, 'previewed', 'infra-agent', {
      artifactId: preview.artifactId,
      resources: preview.changes.length,
    });

    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') return finish(decision.outcome, decision.message);

    return executeApproved(op, acts, notifier, async (grant) => {
      const r = await acts.deleteStack({
        region: input.region,
        stackName: input.stack.stackName,
        stackId: preview.artifactId,
        ...(grant ? { grant } : {}),
      });
      return {
        startedAt: r.startedAt,
        details: {
          token: r.token,
          alreadyDeleting: r.alreadyDeleting,
          stackId: preview.artifactId,
          ...(r.assumedRoleArn ? { assumedRoleArn: r.assumedRoleArn, sourceIdentity: grant?.sourceIdentity } : {}),
        },
      };
    });
  });
}
