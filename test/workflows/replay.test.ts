import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR } from '../support/histories';
import { workflowBundle } from '../support/sandbox';

/**
 * Replays stored histories of every outcome against the current workflow code. A change that would break
 * running workflows (non-determinism) fails here; such a change needs `patched()`. Histories are recorded by
 * running the workflow suites with INFRA_AGENT_RECORD_HISTORIES=1.
 */
const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const EXPECTED_OUTCOMES = [
  'alert-snoozed',
  'cost-allocation',
  'cost-report-chart-failed',
  'cost-report-with-chart',
  'delete-approved',
  'delete-failed',
  'deploy-approved',
  'deploy-cancelled',
  'deploy-execute-retried-after-worker-kill',
  'deploy-expired',
  'deploy-no-changes',
  'deploy-rejected',
  'deploy-stack-deleted-while-waiting',
  'deploy-validation-failed',
  'deploy-verification-failed',
  'deploy-verified',
  'drift-all-some-unchecked',
  'drift-service-drifted',
  'drift-stack-drifted',
  'helm-install-succeeded',
  'helm-rollback-write-retried',
  'helm-upgrade-release-moved',
  'promote-skipped-stage',
  'promote-soak-refused',
  'promote-succeeded',
  'reap-kept',
  'reap-refused-prd',
  'reap-volume-deleted',
  'remediate-rejected',
  'remediate-service-rejected',
  'remediate-service-succeeded',
  'remediate-succeeded',
  'rollback-succeeded',
  'rollout-aborted-restore-retried',
  'rollout-aborted',
  'rollout-digest-succeeded',
  'rollout-held-no-measurement',
  'rollout-not-ready',
  'rollout-promoted',
  'rollout-rejected',
  'rollout-rolled-back',
  'rollout-succeeded',
  'rollout-tag-moved',
  'rollout-traffic-split',
  'rollout-verified',
  'rollout-worker-killed',
  'scheduled-cost-check-alert-posted',
  'scheduled-drift-alert-posted',
  'scheduled-drift-alert-resolved',
  'scheduled-drift-kubernetes',
  'scheduled-reap-refused-prd',
  'scheduled-reap-started',
  'scheduled-rescan-alert-posted',
  'scheduled-rescan-alert-resolved',
];

describe('replay of stored workflow histories', () => {
  it('GIVEN the stored histories THEN every outcome is covered', () => {
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(EXPECTED_OUTCOMES);
  });

  it.each(files)('GIVEN %s WHEN replayed with the current code THEN it is deterministic', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
    const workflowId = readFileSync(join(HISTORIES_DIR, file.replace(/\.json$/, '.workflow-id')), 'utf8').trim();
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId),
    ).resolves.toBeUndefined();
  });
});
