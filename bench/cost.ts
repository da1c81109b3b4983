/**
 * npm run bench:cost — a cost report end to end against the raw Cost Explorer calls it makes, in one run:
 *   1. `cost prd 90d` (one report, one chart: the measure), then dev, tst and prd at once, over 20 services ×
 *      3 environments with 4 AWS services each seeded into a private sandbox's moto, through the gateway, a Temporal
 *      workflow, the Cost Explorer activity and the chart activity — against the same GetCostAndUsage requests
 *      (costRequest) sent alone. Rounds alternate which goes first; the figure is the median round.
 *   2. Chart rendering (vega-lite → vega SVG → resvg PNG, the worker thread): p50/p99 over 100 renders of a
 *      90-day, 20-service report, after one warm-up.
 * Goals (issue 18): the report within 2× the raw calls; a chart under 200 ms.
 *   BENCH_COST_ROUNDS  rounds (default 7)
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { costRequest } from '../activities/cost/cost-report';
import { createChartRenderer } from '../adapters/chart/vega-png';
import { CHART_WIDTH, costChartSpec } from '../core/cost/chart-spec';
import { costWindow } from '../core/cost/period';
import type { CostReport } from '../core/cost/report';
import type { EnvironmentName } from '../core/environments';
import { openGateway } from '../worker/client-compose';
import { composeActivities } from '../worker/compose';
import { loadConfig } from '../worker/config-loader';
import { createWorker } from '../worker/create-worker';
import { startPrivateSandbox } from './private-sandbox';
import { alternatingRounds, msSince, pct } from './timing';

const ROUNDS = Number(process.env.BENCH_COST_ROUNDS ?? 7);
const ENVS: readonly EnvironmentName[] = ['dev', 'tst', 'prd'];
const SERVICES = Array.from({ length: 20 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
const AWS_SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'Amazon Relational Database Service',
  'Amazon Simple Storage Service',
  'AmazonCloudWatch',
];
const DAYS = 180;

const ms = msSince;

function lineItems(today: string): unknown[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  const out: unknown[] = [];
  for (let d = DAYS; d >= 1; d--) {
    const date = new Date(end - d * 86_400_000).toISOString().slice(0, 10);
    for (const [e, env] of ENVS.entries())
      for (const [s, service] of SERVICES.entries())
        for (const [a, aws] of AWS_SERVICES.entries())
          out.push({
            Date: date,
            Service: aws,
            Tags: { Environment: env, Service: service },
            Amount: (((s + 1) * (a + 2) * (e + 1) * (100 + ((d * 7 + s) % 13))) / 100).toFixed(2),
            Unit: 'USD',
          });
  }
  return out;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const sandbox = await startPrivateSandbox('bench-cost', 'bench-cost');
  const config = loadConfig(sandbox.env);
  const today = new Date().toISOString().slice(0, 10);
  const items = lineItems(today);
  const seeded = await fetch(new URL('/moto-api/static/ce/cost-and-usage-results', config.aws.endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: config.environments.dev.account, results: [{ LineItems: items }] }),
  });
  if (seeded.status !== 201) throw new Error(`seeding moto answered ${seeded.status}`);
  const activities = composeActivities(config);
  const { worker, connection } = await createWorker({ temporal: config.temporal, activities });
  const running = worker.run();
  const session = await openGateway(config);
  const ce = new CostExplorerClient({
    region: 'us-east-1',
    maxAttempts: 3,
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const charts = createChartRenderer();
  try {
    const requester = { userId: 'dave', displayName: 'dave', via: 'cli' as const };
    let last: CostReport | undefined;
    /** The chart activity's own render time in each single-report round (where the product's time goes). */
    const renderInProduct: number[] = [];
    const product = async (envs: readonly EnvironmentName[]): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await Promise.all(
        envs.map(async (env) => {
          const r = await session.gateway.execute(
            { name: 'cost', env, period: '90d' },
            { ...requester, requestId: randomBytes(6).toString('hex') },
          );
          if (r.kind !== 'cost' || !r.cost.chart) throw new Error(`no report with a chart for ${env}`);
          if (r.cost.report.groups.length !== SERVICES.length) throw new Error(`${env}: not 20 services`);
          if (env === 'prd') last = r.cost.report;
          if (envs.length === 1) renderInProduct.push(r.cost.chart.renderMs);
        }),
      );
      return ms(t0);
    };
    const window = costWindow('90d', today);
    const raw = async (envs: readonly EnvironmentName[]): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await Promise.all(
        envs.map(async (environment) => {
          const request = costRequest({
            environment,
            region: 'us-east-1',
            period: '90d',
            window,
            grouping: 'service-tag',
          });
          let token: string | undefined;
          do {
            const page = await ce.send(new GetCostAndUsageCommand({ ...request, NextPageToken: token }));
            token = page.NextPageToken;
          } while (token);
        }),
      );
      return ms(t0);
    };
    // Warm-up (not measured): the workflow bundle, the first connections, the chart thread loading vega.
    await product(ENVS);
    await raw(ENVS);
    const rounds = async (envs: readonly EnvironmentName[]): Promise<{ product: number[]; raw: number[] }> => {
      const r = await alternatingRounds(
        ROUNDS,
        () => product(envs),
        () => raw(envs),
      );
      return { product: r.product, raw: r.floor };
    };
    renderInProduct.length = 0;
    const one = await rounds(['prd']);
    const three = await rounds(ENVS);
    const report = last!;
    await charts.renderPng(costChartSpec(report), CHART_WIDTH);
    const renders: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = process.hrtime.bigint();
      const png = await charts.renderPng(costChartSpec(report), CHART_WIDTH);
      renders.push(ms(t0));
      if (png.width !== 1000 || png.height !== 500) throw new Error(`chart is ${png.width}×${png.height}`);
    }
    const line = (what: string, r: { product: number[]; raw: number[] }): string[] => {
      const p50 = pct(r.product, 50);
      const r50 = pct(r.raw, 50);
      const ratio = p50 / r50;
      return [
        `${what}: product (gateway → workflow → Cost Explorer activity → chart activity) p50 ${p50.toFixed(0)} ms ` +
          `(max ${Math.max(...r.product).toFixed(0)}), raw GetCostAndUsage alone p50 ${r50.toFixed(0)} ms ` +
          `(max ${Math.max(...r.raw).toFixed(0)}): ${ratio.toFixed(2)}x (goal <= 2x): ${ratio <= 2 ? 'MET' : 'NOT MET'}`,
      ];
    };
    const c50 = pct(renders, 50);
    const c99 = pct(renders, 99);
    console.log(
      [
        '',
        `bench:cost — cost {env} 90d over 20 services × 4 AWS services × 3 environments × ${DAYS} days (${items.length} line items in moto), ${ROUNDS} rounds, load ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores`,
        ...line('one report (cost prd 90d, one chart)', one),
        `  where it goes (p50): raw read ${pct(one.raw, 50).toFixed(0)} ms, chart render in the chart activity ${pct(renderInProduct, 50).toFixed(0)} ms, ` +
          `the rest (gateway, workflow, two activity round trips, the PNG through Temporal) ~${(pct(one.product, 50) - pct(one.raw, 50) - pct(renderInProduct, 50)).toFixed(0)} ms`,
        ...line('three at once (dev, tst, prd: three charts)', three),
        `chart render (vega-lite → SVG → PNG 1000×500, 100 renders): p50 ${c50.toFixed(1)} ms, p99 ${c99.toFixed(1)} ms (goal < 200 ms): ${c99 < 200 ? 'MET' : 'NOT MET'}`,
        '',
      ].join('\n'),
    );
  } finally {
    ce.destroy();
    await charts.close();
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
