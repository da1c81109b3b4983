/**
 * npm run bench:workflows — N concurrent deploy operations through the product path (gateway → deploy
 * workflow → activities → sandbox AWS endpoint), next to a bare workflow making the same activity calls
 * (the floor), in the same run against a private sandbox. Prints p50/p99 of request → preview and
 * approval → execution start, and the worker process's RSS. BENCH_N (default 10) sets the concurrency.
 */
import { startPrivateSandbox } from './private-sandbox';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { AppConfig, StackConfig } from '../core/config';
import { openGateway } from '../worker/client-compose';
import { composeActivities } from '../worker/compose';
import { loadConfig } from '../worker/config-loader';
import { createWorker } from '../worker/create-worker';
import { connectClient } from '../worker/temporal-connection';
import { floorDeployWorkflow } from './floor-workflow';
import { p50p99, pct } from './timing';

const N = Number(process.env.BENCH_N ?? 10);
const TEMPLATE = join(__dirname, '..', 'test', 'fixtures', 'stacks', 'audit-log-group.yaml');

const fmt = p50p99;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const sandbox = await startPrivateSandbox('bench', 'bench');
  const { env } = sandbox;
  const base = loadConfig(env);
  const run = Date.now().toString(36);
  const stacks: Record<string, StackConfig> = {};
  stacks[`b${run}-w`] = { name: `b${run}-w`, template: TEMPLATE };
  for (let i = 0; i < N; i++) {
    stacks[`b${run}-p${i}`] = { name: `b${run}-p${i}`, template: TEMPLATE };
    stacks[`b${run}-f${i}`] = { name: `b${run}-f${i}`, template: TEMPLATE };
  }
  const config: AppConfig = { ...base, stacks };
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: composeActivities(config),
    workflowsPath: require.resolve('./bench-workflows'),
  });
  const running = worker.run();
  const session = await openGateway(config, { pollMs: 100 });
  const gw = session.gateway;
  const client = await connectClient(config.temporal);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
  try {
    console.log(`\nbench:workflows — ${N} concurrent deploys, product path vs floor (same activities)\n`);

    // Warm-up (not measured): fills the validation cache both sides then share, so neither pays it alone.
    await client.workflow.execute(floorDeployWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `bench/warmup/${run}`,
      args: [
        {
          ...gw.stackInput('deploy-stack', `b${run}-w`, 'dev', {
            userId: 'alice',
            displayName: 'alice',
            via: 'cli',
            requestId: 'w',
          }),
          tuning: { pollMs: 100 },
        },
      ],
    });
    const floorPreview: number[] = [];
    const floorExec: number[] = [];
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const start = Date.now();
        const input = gw.stackInput('deploy-stack', `b${run}-f${i}`, 'dev', {
          userId: 'alice',
          displayName: 'alice',
          via: 'cli',
          requestId: `f${i}`,
        });
        const h = await client.workflow.start(floorDeployWorkflow, {
          taskQueue: config.temporal.taskQueue,
          workflowId: `bench/floor/${run}/${i}`,
          args: [{ ...input, tuning: { pollMs: 100 } }],
        });
        const r = await h.result();
        floorPreview.push(r.previewAt - start);
        floorExec.push(r.executeStartAt - r.previewAt);
      }),
    );
    const floorWall = Date.now() - t0;

    const prodPreview: number[] = [];
    const prodExec: number[] = [];
    const t1 = Date.now();
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const alice = { userId: 'alice', displayName: 'alice', via: 'cli' as const, requestId: `p${i}` };
        const start = Date.now();
        const op = (await gw.startStackOperation('deploy-stack', `b${run}-p${i}`, 'dev', alice)).operationId;
        let s = await gw.state(op).catch(() => undefined);
        while (s?.phase !== 'awaiting-approval') {
          await new Promise((r) => setTimeout(r, 50));
          s = await gw.state(op).catch(() => undefined);
        }
        const previewAt = Date.now();
        prodPreview.push(previewAt - start);
        await gw.approve(
          op,
          { userId: 'bob', displayName: 'bob', via: 'cli', requestId: `a${i}` },
          { artifactId: s.preview!.artifactId },
        );
        const approvedAt = Date.now();
        while (!['executing', 'waiting-for-stack', 'done'].includes(s.phase)) {
          await new Promise((r) => setTimeout(r, 20));
          s = await gw.state(op);
        }
        prodExec.push(Date.now() - approvedAt);
        const final = await gw.result(op);
        if (final.outcome !== 'succeeded') throw new Error(`${op} ended ${final.outcome}: ${final.message}`);
      }),
    );
    const prodWall = Date.now() - t1;

    console.log(`request → preview      floor:   ${fmt(floorPreview)}`);
    console.log(
      `request → preview      product: ${fmt(prodPreview)}   (ratio p50 ${(pct(prodPreview, 50) / pct(floorPreview, 50)).toFixed(2)}x)`,
    );
    console.log(`approval → exec start  floor:   ${fmt(floorExec)}   (no approval step: the floor goes straight on)`);
    console.log(`approval → exec start  product: ${fmt(prodExec)}   (includes the state polling at 20 ms)`);
    console.log(
      `wall time for ${N} ops  floor ${floorWall} ms, product ${prodWall} ms (product includes the approvals)`,
    );
    console.log(
      `worker+client RSS      before ${(rssBefore / 1048576).toFixed(0)} MiB, peak ${(rssPeak / 1048576).toFixed(0)} MiB`,
    );
  } finally {
    clearInterval(sampler);
    await client.connection.close();
    await session.close();
    worker.shutdown();
    await running;
    await connection.close();
    await sandbox.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
