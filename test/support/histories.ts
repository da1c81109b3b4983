import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './sandbox';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

/**
 * Replays the history a test just produced against the current workflow code (catching non-determinism at
 * once) and, with INFRA_AGENT_RECORD_HISTORIES=1, stores it as a fixture for the replay suite.
 */
export async function replayAndMaybeRecord(client: Client, workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  if (process.env.INFRA_AGENT_RECORD_HISTORIES === '1') {
    mkdirSync(HISTORIES_DIR, { recursive: true });
    // The history in Temporal's own JSON format (the one `temporal workflow show --output json` prints).
    writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
    writeFileSync(join(HISTORIES_DIR, `${name}.workflow-id`), workflowId);
  }
}
