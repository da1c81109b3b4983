import { readFileSync } from 'node:fs';
import type { AppConfig } from '../../core/config';
import type { OperationState } from '../../core/operations';
import { openGateway } from '../../worker/client-compose';

/**
 * A front end process (what the bot does for a button press) to kill -9: starts the scenario's stack operation
 * with the request id it is given (a restarted bot re-sends the same request, as Slack's retry would), then,
 * with FAULTS_BOT_APPROVE=1, waits for the approval card and approves as a second person. Prints a line at each
 * step so the suite can kill it there.
 */
async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.env.FAULTS_CONFIG!, 'utf8')) as AppConfig;
  const kind = process.env.FAULTS_KIND as 'deploy-stack' | 'delete-stack';
  const stack = process.env.FAULTS_STACK!;
  const requestId = process.env.FAULTS_REQUEST_ID!;
  const session = await openGateway(config, { pollMs: 100, mutatingCallTimeoutMs: 4000 });
  const gw = session.gateway;
  try {
    const started = await gw.startStackOperation(kind, stack, 'dev', {
      userId: 'alice',
      displayName: 'alice',
      via: 'slack',
      requestId,
    });
    console.log(`[bot] started ${started.operationId} duplicate=${String(started.duplicate)}`);
    if (process.env.FAULTS_BOT_APPROVE !== '1') return;
    let state: OperationState;
    for (;;) {
      state = await gw.state(started.operationId);
      if (state.phase === 'awaiting-approval' || state.outcome) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`[bot] awaiting ${started.operationId}`);
    if (state.phase === 'awaiting-approval' && !state.outcome) {
      await gw.approve(
        started.operationId,
        { userId: 'bob', displayName: 'bob', via: 'slack', requestId: `${requestId}-approve` },
        { artifactId: state.preview!.artifactId },
      );
      console.log(`[bot] approved ${started.operationId}`);
    }
    const end = await gw.result(started.operationId);
    console.log(`[bot] result ${end.outcome ?? '?'}`);
  } finally {
    await session.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
