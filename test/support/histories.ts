import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { toolPath } from '../../sandbox/paths';
import { workflowBundle } from './sandbox';

export const HISTORIES_DIR = join(__dirname, '..', 'histories');

/**
 * Replays the history a test just produced against the current workflow code (catching non-determinism at
 * once) and, with INFRA_AGENT_RECORD_HISTORIES=1, stores it as a fixture for the replay suite — exported by the
 * Temporal CLI in Temporal's own JSON format (`temporal workflow show --output json`).
 */
export async function replayAndMaybeRecord(client: Client, workflowId: string, name: string): Promise<void> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  if (process.env.INFRA_AGENT_RECORD_HISTORIES === '1') {
    const address = `127.0.0.1:${process.env.INFRA_AGENT_TEMPORAL_PORT ?? '7233'}`;
    const { stdout } = await promisify(execFile)(
      toolPath('temporal'),
      ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', address],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    mkdirSync(HISTORIES_DIR, { recursive: true });
    writeFileSync(join(HISTORIES_DIR, `${name}.json`), stdout);
    writeFileSync(join(HISTORIES_DIR, `${name}.workflow-id`), workflowId);
  }
}
