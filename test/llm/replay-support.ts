import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../support/sandbox';

/** Stored histories of the language front door's workflows (kept apart from the stack operations' suite). */
export const LLM_HISTORIES_DIR = join(__dirname, 'histories');

/** Replays a history just produced (catching non-determinism at once); INFRA_AGENT_RECORD_HISTORIES=1 stores it. */
export async function replayAndMaybeRecordLlm(client: Client, workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  if (process.env.INFRA_AGENT_RECORD_HISTORIES === '1') {
    mkdirSync(LLM_HISTORIES_DIR, { recursive: true });
    writeFileSync(join(LLM_HISTORIES_DIR, `${name}.json`), historyToJSON(history));
    writeFileSync(join(LLM_HISTORIES_DIR, `${name}.workflow-id`), workflowId);
  }
}
