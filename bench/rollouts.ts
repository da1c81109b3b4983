/**
 * npm run bench:rollouts — N concurrent blue/green rollouts of different services on one in-process worker
 * (gateway → blueGreenRolloutWorkflow → rollout activities → a private Kubernetes control plane with kwok
 * nodes), next to the floor: the same rollout done by a plain script calling the same activity functions one
 * service after another, with no Temporal. Both in the same run, against a private Temporal + moto sandbox and
 * a private cluster on free ports.
 *
 *   BENCH_N        concurrent product rollouts (default 50)
 *   BENCH_FLOOR_N  services the floor rolls out one by one (default 5); N sequential is extrapolated from them
 *   BENCH_POLL_MS  how often each product rollout's state is queried until it awaits approval (default 250)
 *
 * Every service starts with blue live (1.0.0, all traffic, seeded through the activities, not measured); each
 * rollout takes 2.0.0 to green through steps 10/50/100 (1 s each), a 1 s bake and pods analysis, then scales
 * blue to 0. One warm-up rollout through the new worker is not measured. Prints the completion-time
 * distribution, worker RSS and CPU (this process, its kubectl children, Temporal, the control plane, the rest
 * of the machine), where the time went (queue waits and activity run times from the workflow histories), and
 * the floor beside them. Exits non-zero when any product rollout did not succeed, naming each and why.
 * Results: docs/rollouts.md, "Benchmark".
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Activities } from '../activities';
import type { Requester } from '../core/requester';
import type { RolloutActivities, ServiceTarget } from '../core/rollout/types';
import { sandboxSettings } from '../sandbox/settings';
import type { PrivateCluster } from '../test/k8s/private-cluster';
import { rolloutTestConfig, testServiceYaml } from '../test/support/rollout-env';
import type { GatewaySession } from '../worker/client-compose';
import { openGateway } from '../worker/client-compose';
import { composeActivities } from '../worker/compose';
import { loadConfig } from '../worker/config-loader';
import { createWorker } from '../worker/create-worker';
import { connectClient } from '../worker/temporal-connection';
import type { PrivateSandbox } from './private-sandbox';
import { startPrivateSandbox } from './private-sandbox';
import { startPrivateCluster } from '../test/k8s/private-cluster';
import { floorRollout } from './rollout-floor';
import type { FloorRolloutInput, FloorTimes } from './rollout-floor';
import type { HistoryTimes } from './rollout-history';
import { historyTimes, mergeTimes, timedActivities } from './rollout-history';
import {
  RssSampler,
  cores,
  cpuBetween,
  cpuSnapshot,
  groupCpu,
  mean,
  mib,
  pct,
  recordedPids,
  secs,
  subtract,
} from './rollout-metrics';

const exec = promisify(execFile);

const N = Number(process.env.BENCH_N ?? 50);
const FLOOR_N = Number(process.env.BENCH_FLOOR_N ?? 5);
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 250);
const REPLICAS = 2;
/** Pods a kwok node takes (sandbox/kube/nodes.ts allocatable). */
const PODS_PER_NODE = 110;
const NAMESPACE = 'bench';
const ENV = 'dev' as const;
const SEED_VERSION = '1.0.0';
const WARMUP = 'warmup';
const VERSION = '2.0.0';

const productName = (i: number): string => `svc-${String(i).padStart(3, '0')}`;
const floorName = (i: number): string => `floor-${String(i).padStart(3, '0')}`;

function person(userId: string, requestId: string): Requester {
  return { userId, displayName: userId, via: 'cli', requestId };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

const distMs = (xs: readonly number[]): string =>
  `p50 ${pct(xs, 50).toFixed(0)} ms  p90 ${pct(xs, 90).toFixed(0)} ms  p99 ${pct(xs, 99).toFixed(0)} ms  max ${Math.max(...xs).toFixed(0)} ms`;

const dist = (xs: readonly number[]): string =>
  `p50 ${secs(pct(xs, 50))}  p90 ${secs(pct(xs, 90))}  p99 ${secs(pct(xs, 99))}  max ${secs(Math.max(...xs))}`;

interface ProductRun {
  readonly service: string;
  operationId?: string;
  /** request → awaiting approval seen, approval given → done, request → done (ms). */
  toApprovalWait?: number;
  afterApproval?: number;
  total?: number;
  error?: string;
}

async function main(): Promise<void> {
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(FLOOR_N) || FLOOR_N < 1) {
    throw new Error('BENCH_N and BENCH_FLOOR_N must be positive integers');
  }
  // Failed activity attempts are summarised from the histories below, not logged one by one.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  // Both colours of every service at once, with room to spare.
  const nodes = Math.ceil(((N + FLOOR_N + 1) * 2 * REPLICAS) / PODS_PER_NODE) + 1;
  console.log(`\nbench:rollouts — ${N} concurrent rollouts (product) vs ${FLOOR_N} one by one (floor)`);
  console.log(`setup: private Temporal + moto sandbox, private cluster with ${nodes} kwok nodes …`);

  const t0 = Date.now();
  let sandbox: PrivateSandbox | undefined;
  let cluster: PrivateCluster | undefined;
  let session: GatewaySession | undefined;
  const rss = new RssSampler();
  let failed = 0;
  try {
    sandbox = await startPrivateSandbox('bench-rollouts', 'bench-rollouts');
    cluster = await startPrivateCluster(nodes);
    const serviceYaml = (name: string) =>
      testServiceYaml(
        { stepWait: '1s', bake: '1s', readyTimeout: '120s', timeBudget: '30m' },
        { namespace: NAMESPACE, image: `ghcr.io/example/${name}`, replicas: REPLICAS },
      );
    const names = [...Array.from({ length: N }, (_, i) => productName(i))];
    const floorNames = Array.from({ length: FLOOR_N }, (_, i) => floorName(i));
    const tc = rolloutTestConfig(
      cluster,
      Object.fromEntries([...names, ...floorNames, WARMUP].map((n) => [n, serviceYaml(n)])),
    );
    // rolloutTestConfig loads with this process's environment; load it again against the private sandbox.
    const env = { ...sandbox.env, INFRA_AGENT_CONFIG: tc.path };
    const config = loadConfig(env);
    const acts: Activities = composeActivities(config, env);
    const cl = cluster;
    const namespace = `${NAMESPACE}${config.environments[ENV].cluster?.namespaceSuffix ?? ''}`;
    await exec(cl.kube.bin.kubectl, [
      '--kubeconfig',
      cl.kube.kubeconfig,
      '--context',
      cl.kube.contextName,
      'create',
      'namespace',
      namespace,
    ]);

    /** On a failure: the nodes, and every pod not Ready with its conditions (what the pods analysis judged). */
    const diagnose = async (): Promise<void> => {
      const k = (...args: string[]) =>
        exec(cl.kube.bin.kubectl, ['--kubeconfig', cl.kube.kubeconfig, '--context', cl.kube.contextName, ...args], {
          maxBuffer: 64 * 1024 * 1024,
        }).then((r) => r.stdout);
      try {
        console.log(await k('get', 'nodes'));
        const pods = JSON.parse(await k('get', 'pods', '-n', namespace, '-o', 'json')) as {
          items: {
            metadata: { name: string };
            spec: { nodeName?: string };
            status: { phase?: string; conditions?: { type: string; status: string; reason?: string }[] };
          }[];
        };
        const notReady = pods.items.filter(
          (p) => !p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        console.log(`${notReady.length} of ${pods.items.length} pods not Ready:`);
        for (const p of notReady.slice(0, 20)) {
          console.log(
            `  ${p.metadata.name} on ${p.spec.nodeName ?? '-'} ${p.status.phase ?? '?'} ` +
              (p.status.conditions ?? [])
                .map((c) => `${c.type}=${c.status}${c.reason ? `(${c.reason})` : ''}`)
                .join(' '),
          );
        }
        console.log(await k('get', 'events', '-A', '--field-selector', 'type=Warning', '--sort-by=.lastTimestamp'));
      } catch (e) {
        console.log(`(diagnosis failed: ${(e as Error).message})`);
      }
    };

    const target = (service: string): ServiceTarget => ({ environment: ENV, service, namespace });
    const traffic = config.environments[ENV].cluster!.traffic;
    const floorInput = (service: string, version: string, operationId: string): FloorRolloutInput => {
      const s = config.services[service]!;
      return {
        target: target(service),
        traffic,
        image: `${s.image}:${version}`,
        port: s.port,
        replicas: s.replicas,
        policy: s.rollout,
        operationId,
      };
    };

    // Seed: blue live at 1.0.0 with all traffic, for every service (not measured).
    const tSeed = Date.now();
    await pool([...names, ...floorNames, WARMUP], 4, async (service) => {
      const f = floorInput(service, SEED_VERSION, 'bench/seed');
      await acts.deployColour({ ...f, colour: 'blue' });
      const r = await acts.waitColourReady({ target: f.target, colour: 'blue', timeoutSeconds: 120 });
      if (!r.ready) throw new Error(`seed: ${service} blue not ready: ${r.message}`);
      await acts.setTraffic({ target: f.target, traffic, weights: { blue: 100, green: 0 }, operationId: 'bench/seed' });
    });
    console.log(
      `setup done in ${secs(Date.now() - t0)} (seeding ${N + FLOOR_N + 1} services with blue live: ${secs(Date.now() - tSeed)})\n`,
    );

    // CPU of this run's own servers, by process group: Temporal (+ moto) and the control plane (+ kwok).
    const groups = {
      ...recordedPids(sandboxSettings(sandbox.env).stateDir),
      ...recordedPids(cluster.sandbox.stateDir),
    };
    const snap = () => ({ cpu: cpuSnapshot(), groups: groupCpu(groups) });

    // ---- Floor: the same rollouts by a plain script, one service after another, no Temporal. ----
    const floorRunMs: Record<string, number[]> = {};
    const floorActs = timedActivities<RolloutActivities>(acts, floorRunMs);
    const floorTimes: FloorTimes[] = [];
    const f0 = snap();
    for (const service of floorNames) {
      try {
        floorTimes.push(await floorRollout(floorActs, floorInput(service, VERSION, `bench/floor/${service}`)));
      } catch (e) {
        await diagnose();
        throw e;
      }
    }
    const f1 = snap();

    // ---- Product: one in-process worker, N rollouts requested at once, each approved by bob. ----
    const rssBeforeWorker = process.memoryUsage().rss;
    // The worker runs the same activities, each call timed on the worker's side too (an attempt the server
    // timed out still shows here with how long it really ran).
    const workerRunMs: Record<string, number[]> = {};
    const { worker, connection } = await createWorker({
      temporal: config.temporal,
      activities: timedActivities(acts, workerRunMs),
    });
    const running = worker.run();
    session = await openGateway(config);
    const gw = session.gateway;
    // Warm-up (not measured): one rollout through the new worker, so the measured ones do not pay its first
    // workflow activations and connections.
    {
      const op = (await gw.startRollout(WARMUP, VERSION, ENV, person('alice', 'warmup'))).operationId;
      let s = await gw.state(op).catch(() => undefined);
      while (s?.phase !== 'awaiting-approval') {
        if (s?.phase === 'done') throw new Error(`warm-up ended before approval: ${s.message}`);
        await new Promise((res) => setTimeout(res, POLL_MS));
        s = await gw.state(op).catch(() => undefined);
      }
      await gw.approve(op, person('bob', 'warmup'), { artifactId: s.preview!.artifactId });
      const done = await gw.result(op);
      if (done.outcome !== 'succeeded') throw new Error(`warm-up rollout ${done.outcome}: ${done.message}`);
    }
    const rssIdle = process.memoryUsage().rss;
    rss.reset();
    const runs: ProductRun[] = names.map((service) => ({ service }));
    let queries = 0;
    const p0 = snap();
    try {
      await Promise.all(
        runs.map(async (r, i) => {
          const start = Date.now();
          try {
            const op = (await gw.startRollout(r.service, VERSION, ENV, person('alice', `p${i}`))).operationId;
            r.operationId = op;
            const state = () => {
              queries++;
              return gw.state(op).catch(() => undefined);
            };
            let s = await state();
            while (s?.phase !== 'awaiting-approval') {
              if (s?.phase === 'done') throw new Error(`ended before approval: ${s.outcome}: ${s.message}`);
              await new Promise((res) => setTimeout(res, POLL_MS));
              s = await state();
            }
            r.toApprovalWait = Date.now() - start;
            await gw.approve(op, person('bob', `a${i}`), { artifactId: s.preview!.artifactId });
            const approvedAt = Date.now();
            const done = await gw.result(op);
            r.afterApproval = Date.now() - approvedAt;
            r.total = Date.now() - start;
            if (done.outcome !== 'succeeded') r.error = `${done.outcome}: ${done.message}`;
          } catch (e) {
            r.error = `error: ${(e as Error).message}`;
          }
        }),
      );
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
    const p1 = snap();
    const rssPeak = rss.peak;
    const client = await connectClient(config.temporal);
    let hist: HistoryTimes;
    try {
      hist = mergeTimes(
        await Promise.all(runs.filter((r) => r.operationId).map((r) => historyTimes(client, r.operationId!))),
      );
    } finally {
      await client.connection.close();
    }

    // ---- Figures. ----
    const ok = runs.filter((r) => !r.error);
    failed = runs.length - ok.length;
    const total = ok.map((r) => r.total!);
    const pre = ok.map((r) => r.toApprovalWait!);
    const post = ok.map((r) => r.afterApproval!);
    const fTotal = floorTimes.map((f) => f.totalMs);
    const fPre = floorTimes.map((f) => f.readyForApprovalMs);
    const fPost = floorTimes.map((f) => f.totalMs - f.readyForApprovalMs);
    const wallP = p1.cpu.at - p0.cpu.at;
    const floorWall = f1.cpu.at - f0.cpu.at;
    const floorExtrapolated = mean(fTotal) * N;
    const policy = config.services[names[0]!]!.rollout;
    const fl = (xs: readonly number[]) => `p50 ${secs(pct(xs, 50))}  max ${secs(Math.max(...xs))}`;

    console.log(
      `policy: steps ${policy.steps.join('/')} · ${policy.stepSeconds} s per step · bake ${policy.bakeSeconds} s · ` +
        `pods analysis · ${REPLICAS} replicas per colour · blue ${SEED_VERSION} live → green ${VERSION} · ${nodes} kwok nodes ` +
        `(fixed waits: ${policy.steps.length * policy.stepSeconds + policy.bakeSeconds} s per rollout)\n`,
    );
    console.log('per rollout, request → done');
    console.log(`  product, ${ok.length} concurrent        ${dist(total)}`);
    console.log(`  floor, ${FLOOR_N} one by one          ${fl(fTotal)}`);
    console.log(
      `  product / floor             p50 ${(pct(total, 50) / pct(fTotal, 50)).toFixed(2)}x   max ${(Math.max(...total) / Math.max(...fTotal)).toFixed(2)}x`,
    );
    console.log('  phases');
    console.log(`    request → awaiting approval (security gate, deploy, Ready, health check)`);
    console.log(`      product                   ${dist(pre)}   (state polled every ${POLL_MS} ms)`);
    console.log(`      floor                     ${fl(fPre)}`);
    console.log(`    approved → done (3 steps with analysis, bake, scale blue to 0)`);
    console.log(`      product                   ${dist(post)}`);
    console.log(`      floor                     ${fl(fPost)}`);
    console.log('');
    console.log('all rollouts, wall time');
    console.log(`  product                     ${N} concurrent in ${secs(wallP)}`);
    console.log(
      `  floor                       ${FLOOR_N} sequential in ${secs(floorWall)}; ${N} sequential ≈ ${secs(floorExtrapolated)} ` +
        `(extrapolated: mean × ${N}) → product ${(floorExtrapolated / wallP).toFixed(1)}x faster end to end`,
    );
    console.log('');
    console.log(
      `worker process RSS          ${mib(rssBeforeWorker)} before the worker, ${mib(rssIdle)} after a warm-up rollout, peak ${mib(rssPeak)} during the ${N} rollouts`,
    );
    const pc = cpuBetween(p0.cpu, p1.cpu);
    const fc = cpuBetween(f0.cpu, f1.cpu);
    const pg = subtract(p0.groups, p1.groups);
    const fg = subtract(f0.groups, f1.groups);
    const sum = (g: Record<string, number>, names: string[]) => names.reduce((a, n) => a + (g[n] ?? 0), 0);
    const kube = Object.keys(groups).filter((n) => n !== 'temporal' && n !== 'moto');
    const rows: [string, number, number][] = [
      ['node process (worker+gateway | script)', pc.processS, fc.processS],
      ['  its kubectl child processes', pc.childrenS, fc.childrenS],
      ['Temporal server', pg.temporal ?? 0, fg.temporal ?? 0],
      ['control plane + kwok', sum(pg, kube), sum(fg, kube)],
      ['moto', pg.moto ?? 0, fg.moto ?? 0],
    ];
    const mine = (i: 1 | 2) => rows.reduce((a, r) => a + r[i], 0);
    rows.push(['rest of the machine (not this bench)', pc.machineBusyS - mine(1), fc.machineBusyS - mine(2)]);
    rows.push(['machine total (2 cores)', pc.machineBusyS, fc.machineBusyS]);
    console.log(
      `CPU                                          product (${pc.wallS.toFixed(0)} s)           floor (${fc.wallS.toFixed(0)} s)             per rollout: product | floor`,
    );
    for (const [label, p, f] of rows) {
      console.log(
        `  ${label.padEnd(41)} ${cores(p, pc.wallS).padEnd(24)} ${cores(f, fc.wallS).padEnd(24)} ${(p / N).toFixed(2)} | ${(f / FLOOR_N).toFixed(2)} cpu-s`,
      );
    }
    console.log('');
    console.log('where the time goes (product: workflow histories; floor: timed calls)');
    console.log(`  activity task queue wait (scheduled → started)   ${distMs(hist.activityQueueMs)}`);
    console.log(`  workflow task queue wait                         ${distMs(hist.workflowTaskQueueMs)}`);
    console.log(`  workflow task run                                ${distMs(hist.workflowTaskRunMs)}`);
    console.log(`  activity run time          floor p50   product p50    p90    max   calls per product rollout`);
    const types = [...new Set([...Object.keys(hist.activityRunMs), ...Object.keys(floorRunMs)])].sort();
    for (const t of types) {
      const p = hist.activityRunMs[t] ?? [];
      const f = floorRunMs[t] ?? [];
      const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} ms` : '-').padStart(9);
      console.log(
        `    ${t.padEnd(22)} ${ms(pct(f, 50))}   ${ms(pct(p, 50))} ${ms(pct(p, 90))} ${ms(p.length ? Math.max(...p) : NaN)}   ${(p.length / Math.max(1, runs.length)).toFixed(1)}`,
      );
    }
    const slow = Object.entries(workerRunMs)
      .map(([k, v]) => [k, v.filter((ms) => ms > 30_000)] as const)
      .filter(([, v]) => v.length > 0);
    console.log(
      `  worker-side calls over 30 s: ${slow.length === 0 ? 'none' : slow.map(([k, v]) => `${k} ${v.map((ms) => secs(ms)).join(', ')}`).join('; ')}`,
    );
    const retried = Object.entries(hist.retries);
    if (retried.length > 0) {
      console.log(
        `  activities that needed a retry: ${retried.map(([k, v]) => `${k} ${v}×`).join(', ')}; last failures before the retry:`,
      );
      const reasons = new Map<string, number>();
      for (const r of hist.retryReasons) {
        const key = r.replace(/\/tmp\/[^\s)]+/g, '…');
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      for (const [r, n] of reasons) console.log(`    ${n}× ${r}`);
    } else {
      console.log('  no activity needed a retry');
    }
    console.log(`  state queries by the approver loop: ${queries} (${(queries / N).toFixed(0)} per rollout)`);
    if (failed > 0) {
      await diagnose();
      console.log(`\n${failed} of ${N} product rollouts did NOT succeed:`);
      for (const r of runs.filter((x) => x.error)) console.log(`  ${r.service}: ${r.error}`);
    } else {
      console.log(`\nall ${N} product rollouts succeeded.`);
    }
  } finally {
    rss.stop();
    await session?.close();
    await cluster?.stop().catch((e: unknown) => console.error('cluster stop:', e));
    await sandbox?.stop().catch((e: unknown) => console.error('sandbox stop:', e));
    if (sandbox) rmSync(sandbox.dir, { recursive: true, force: true });
  }
  if (failed > 0) process.exit(1);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
