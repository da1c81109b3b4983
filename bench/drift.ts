/**
 * npm run bench:drift — `drift all dev` over BENCH_STACKS (default 50) deployed stacks through the product
 * (gateway → environmentDriftWorkflow → detectStackDrift activities, `drift.concurrency` at a time) next to a plain
 * script making the same CloudFormation calls (DetectStackDrift, DescribeStackDriftDetectionStatus until complete,
 * DescribeStackResourceDrifts, DescribeStackResources) one stack after the other (the sequential floor) and with the
 * same concurrency, in one run against a private sandbox. Prints total, p50/p99 per stack, and this process's CPU
 * time and peak RSS per phase (the product phase includes the in-process worker).
 * BENCH_STACKS, BENCH_CONCURRENCY (default 8) and MOTO_DRIFT_DETECTION_SECONDS (how long moto's detection takes;
 * default here 2 s, as a small stack takes in AWS) tune it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  DetectStackDriftCommand,
} from '@aws-sdk/client-cloudformation';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { AppConfig, StackConfig } from '../core/config';
import { DEFAULT_DRIFT_CONFIG } from '../core/drift/settings';
import { openGateway } from '../worker/client-compose';
import { composeActivities } from '../worker/compose';
import { loadConfig } from '../worker/config-loader';
import { createWorker } from '../worker/create-worker';
import { startPrivateSandbox } from './private-sandbox';
import { pct } from './timing';

const N = Number(process.env.BENCH_STACKS ?? 50);
const C = Number(process.env.BENCH_CONCURRENCY ?? 8);
const POLL_MS = 100;
const TEMPLATE_PATH = join(__dirname, '..', 'test', 'fixtures', 'stacks', 'drift-app.yaml');

interface Phase {
  readonly name: string;
  readonly totalMs: number;
  readonly perStack: number[];
  readonly cpuMs: number;
  readonly rssPeakMb: number;
}

/** Runs `fn` while sampling this process's RSS; returns wall time, CPU time and peak RSS with fn's per-stack times. */
async function measure(name: string, fn: () => Promise<number[]>): Promise<Phase> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  try {
    const perStack = await fn();
    const used = process.cpuUsage(cpu);
    return {
      name,
      totalMs: performance.now() - t0,
      perStack,
      cpuMs: (used.user + used.system) / 1000,
      rssPeakMb: peak / 1024 / 1024,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The plain script's check of one stack: the same four calls the product's activity makes. */
async function plainCheck(cfn: CloudFormationClient, stackName: string): Promise<number> {
  const t0 = performance.now();
  await cfn.send(new DescribeStacksCommand({ StackName: stackName })); // the product checks the stack is settled
  const id = (await cfn.send(new DetectStackDriftCommand({ StackName: stackName }))).StackDriftDetectionId;
  for (;;) {
    const s = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId: id }));
    if (s.DetectionStatus !== 'DETECTION_IN_PROGRESS') break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  let token: string | undefined;
  do {
    const page = await cfn.send(new DescribeStackResourceDriftsCommand({ StackName: stackName, NextToken: token }));
    token = page.NextToken;
  } while (token);
  await cfn.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return performance.now() - t0;
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      out.push(await fn(item));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return out;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // AWS takes seconds to minutes per detection; 2 s models a small stack (the tests' moto default is 0.3 s). Set
  // before the private sandbox starts moto, which inherits this process's environment.
  process.env.MOTO_DRIFT_DETECTION_SECONDS ??= '2';
  const sandbox = await startPrivateSandbox('bench-drift', 'bench-drift');
  const base = loadConfig(sandbox.env);
  const run = randomBytes(3).toString('hex');
  const names = Array.from({ length: N }, (_, i) => `d${run}-${i}`);
  const stacks: Record<string, StackConfig> = Object.fromEntries(
    names.map((n) => [n, { name: n, template: TEMPLATE_PATH }]),
  );
  const config: AppConfig = {
    ...base,
    stacks,
    drift: { ...(base.drift ?? DEFAULT_DRIFT_CONFIG), concurrency: C, pollMs: POLL_MS },
  };
  const cfn = new CloudFormationClient({
    region: config.environments.dev.region,
    endpoint: config.aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const stackName = (n: string): string => `infra-agent-dev-${n}`;
  const { worker, connection } = await createWorker({
    temporal: config.temporal,
    activities: composeActivities(config),
  });
  const running = worker.run();
  const session = await openGateway(config);
  try {
    const body = readFileSync(TEMPLATE_PATH, 'utf8');
    for (const n of names) {
      await cfn.send(
        new CreateStackCommand({
          StackName: stackName(n),
          TemplateBody: body,
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          Parameters: [
            { ParameterKey: 'Environment', ParameterValue: 'dev' },
            { ParameterKey: 'IaCVersion', ParameterValue: '0123456789abcdef' },
          ],
        }),
      );
    }
    const requester = { userId: 'alice', displayName: 'alice', via: 'cli' as const };
    const productRun = async (): Promise<number[]> => {
      const r = await session.gateway.execute(
        { name: 'drift-all', env: 'dev' },
        { ...requester, requestId: randomBytes(6).toString('hex') },
      );
      if (r.kind !== 'drift' || r.report.kind !== 'environment') throw new Error(`unexpected ${r.kind}`);
      if (r.report.stacks.length !== N)
        throw new Error(`product checked ${r.report.stacks.length} of ${N}: ${r.report.summary}`);
      return r.report.stacks.map((s) => s.elapsedMs ?? NaN);
    };
    // Warm-up (not measured): the workflow bundle, the first connections, moto's first detections.
    await productRun();
    await plainCheck(cfn, stackName(names[0] ?? ''));

    const phases = [
      await measure(`product: drift all (${C} at a time)`, productRun),
      await measure(`plain script, ${C} at a time`, () => pool(names, C, (n) => plainCheck(cfn, stackName(n)))),
      await measure('plain script, one by one (floor)', () => pool(names, 1, (n) => plainCheck(cfn, stackName(n)))),
    ];
    const row = (p: Phase): string =>
      `${p.name.padEnd(36)} total ${p.totalMs.toFixed(0).padStart(6)} ms   per stack p50 ${pct(p.perStack, 50)
        .toFixed(0)
        .padStart(5)} ms p99 ${pct(p.perStack, 99).toFixed(0).padStart(5)} ms   cpu ${p.cpuMs
        .toFixed(0)
        .padStart(5)} ms   rss peak ${p.rssPeakMb.toFixed(0)} MB`;
    const [product, concurrent, floor] = phases as [Phase, Phase, Phase];
    const speedup = floor.totalMs / product.totalMs;
    const overhead = product.totalMs / concurrent.totalMs;
    console.log(
      [
        '',
        `bench:drift — ${N} deployed stacks (test/fixtures/stacks/drift-app.yaml, 3 resources each) in dev, moto detection ${process.env.MOTO_DRIFT_DETECTION_SECONDS} s`,
        ...phases.map(row),
        `product vs sequential floor: ${speedup.toFixed(1)}x faster (goal >= 5x): ${speedup >= 5 ? 'MET' : 'NOT MET'}`,
        `product vs plain script at the same concurrency: ${overhead.toFixed(2)}x (goal <= 1.5x): ${overhead <= 1.5 ? 'MET' : 'NOT MET'}`,
        '',
      ].join('\n'),
    );
  } finally {
    cfn.destroy();
    await session.close();
    worker.shutdown();
    await running;
    await connection.close();
    await sandbox.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
