import { patched } from '@temporalio/workflow';
import { hasBlockingFindings } from '../core/validation';
import type { OperationState } from '../core/operations';
import type { StackOperationInput } from './definitions';
import { activeFreeze, awaitDecision, resolvePolicy, withFailureOutcome } from './approval-flow';
import { audit } from './audit-activity';
import { beginStackOperation, executeApproved } from './stack-operation';

/**
 * validate → change set → preview → approval bound to the change set → execute once → wait until stable.
 * Rejection, expiry, cancellation and "no changes" end the workflow normally with that outcome.
 */
export async function deployStackWorkflow(input: StackOperationInput): Promise<OperationState> {
  const { op, acts, notifier, finish } = beginStackOperation(input, 'deploy-stack');

  return withFailureOutcome(op, acts, finish, async () => {
    const policy = await resolvePolicy(op);
    await audit(acts, op, 'requested', input.requester.userId, {
      via: input.requester.via,
      requestId: input.requester.requestId,
      template: input.stack.templatePath,
    });
    notifier.send(op.state, 'requested');

    const freeze = activeFreeze(policy);
    if (freeze) {
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'change freeze', freeze });
      return finish('frozen', `change freeze in ${input.environment} until ${freeze.to}: ${freeze.reason}`);
    }

    const report = await acts.validateTemplates({ files: [input.stack.templatePath], environment: input.environment });
    op.update({ findings: report.findings });
    await audit(acts, op, 'validated', 'infra-agent', { passed: report.passed, findings: report.findings.length });
    if (hasBlockingFindings(report.findings)) {
      const errors = report.findings.filter((f) => f.severity === 'error').length;
      await audit(acts, op, 'failed', 'infra-agent', { reason: 'validation failed', errors });
      return finish('validation-failed', `validation found ${errors} error(s); nothing was changed`);
    }

    // trivy config on the template (security.scanStackTemplates), judged by the environment's threshold. New in
    // this version of the workflow: deploys started before it replay without it.
    if (patched('deploy-stack-trivy-config-gate-v1')) {
      const gate = await acts.stackConfigGate({
        templatePath: input.stack.templatePath,
        environment: input.environment,
      });
      if (gate.provider === 'trivy') {
        op.update({ configGate: gate });
        await audit(acts, op, 'security-gate', 'infra-agent', { ...gate, scanner: 'trivy config' });
        if (!gate.passed) {
          await audit(acts, op, 'failed', 'infra-agent', { reason: 'security gate (trivy config)' });
          return finish('validation-failed', `security gate (trivy config) refused the template: ${gate.summary}`);
        }
      }
    }

    op.update({ phase: 'creating-change-set' });
    const cs = await acts.createChangeSet({
      region: input.region,
      stackName: input.stack.stackName,
      templatePath: input.stack.templatePath,
      parameters: input.parameters,
      tags: input.tags,
      ...(input.tuning?.pollMs ? { pollMs: input.tuning.pollMs } : {}),
    });
    const csRef = { region: input.region, stackName: input.stack.stackName, changeSetName: cs.changeSetName };
    if (cs.noChanges) {
      op.update({ phase: 'cleaning-up' });
      await acts.deleteChangeSet(csRef);
      await audit(acts, op, 'completed', 'infra-agent', { outcome: 'no-changes' });
      return finish('no-changes', `no changes: ${input.stack.stackName} already matches the template`);
    }
    const { noChanges: _n, ...preview } = cs;
    op.update({ preview });
    await audit(acts, op, 'previewed', 'infra-agent', {
      artifactId: preview.artifactId,
      changes: preview.changes.length,
      templateHash: preview.templateHash,
    });

    const decision = await awaitDecision(op, acts, notifier);
    if (decision !== 'approved') {
      op.update({ phase: 'cleaning-up' });
      await acts.deleteChangeSet(csRef);
      return finish(decision.outcome, decision.message);
    }

    return executeApproved(op, acts, notifier, async (grant) => {
      const r = await acts.executeChangeSet({ ...csRef, ...(grant ? { grant } : {}) });
      return {
        startedAt: r.startedAt,
        details: {
          token: r.token,
          alreadyExecuted: r.alreadyExecuted,
          changeSetId: preview.artifactId,
          ...(r.assumedRoleArn ? { assumedRoleArn: r.assumedRoleArn, sourceIdentity: grant?.sourceIdentity } : {}),
        },
      };
    });
  });
}
