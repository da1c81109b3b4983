import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/sandbox';
import { LLM_HISTORIES_DIR } from './replay-support';

/**
 * Replays stored histories of interpretRequestWorkflow and diagnoseWorkflow outcomes. Recorded by running
 * test/llm with INFRA_AGENT_RECORD_HISTORIES=1.
 */
const files = readdirSync(LLM_HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const EXPECTED_OUTCOMES = [
  'diagnose-answered',
  'diagnose-injection-refused',
  'diagnose-step-budget',
  'diagnose-time-budget',
  'interpret-model-failed-throttled',
  'interpret-proposed',
];

describe('replay of stored language front door histories', () => {
  it('GIVEN the stored histories THEN every outcome is covered', () => {
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(EXPECTED_OUTCOMES);
  });

  it.each(files)('GIVEN %s WHEN replayed with the current code THEN it is deterministic', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(LLM_HISTORIES_DIR, file), 'utf8')));
    const workflowId = readFileSync(join(LLM_HISTORIES_DIR, file.replace(/\.json$/, '.workflow-id')), 'utf8').trim();
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId),
    ).resolves.toBeUndefined();
  });
});
