/**
 * npm run suite:faults — the fault suite (issue 13): named scenarios that kill -9 the worker and the bot in every
 * phase of stack deploys and deletes, restart or kill the Temporal server, freeze AWS (moto), answer Slack calls
 * with 429/500 bursts, make the audit directory read-only or full, and run two workers on one queue; then a
 * random-kill run of concurrent deploys. Each scenario checks the operation reached its right end state, that no
 * side effect happened twice, that nothing was lost or stuck, and measures the time to recover.
 *
 *   --bounded (or SUITE_BOUNDED=1)  the CI subset and a random-kill run of ~10 kills (a few minutes)
 *   --only=<text>                   only scenarios whose name contains <text>
 *   --write-docs                    rewrite the suite:faults section of docs/reliability.md with this run's figures
 *                                   (with --only, a section of its own for that selection: the full run's stays)
 *   FAULTS_SEED, FAULTS_KILLS, FAULTS_CONCURRENCY  the random-kill seed, kill count, and scenarios run at once
 *   FAULTS_START_TIMEOUT_MS         how long a worker or bot may take to start (default 240 s)
 */
import { loadavg } from 'node:os';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { killAllChildren, startSuite, warmUp } from './faults/harness';
import { randomKill } from './faults/random-kill';
import type { RandomKillResult } from './faults/random-kill';
import { recoverText, writeDocs } from './faults/report';
import type { Outcome } from './faults/report';
import { SCENARIOS } from './faults/scenarios';
import type { Scenario } from './faults/scenarios';

const SCENARIO_TIMEOUT_MS = 8 * 60_000;

function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

async function runOne(s: Scenario, suite: Awaited<ReturnType<typeof startSuite>>, outageMs: number): Promise<Outcome> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = s.timeoutMs ?? SCENARIO_TIMEOUT_MS;
  try {
    const r = await Promise.race([
      s.run(suite, { outageMs }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no end within ${limit / 1000} s`)), limit);
      }),
    ]);
    const passed = r.problems.length === 0 && r.duplicates === 0 && r.lost === 0;
    return { name: s.name, passed, ...r, totalMs: Date.now() - t0 };
  } catch (e) {
    const msg = (e as Error).message.split('\n').slice(0, 6).join(' | ');
    return {
      name: s.name,
      passed: false,
      recoverMs: NaN,
      duplicates: 0,
      lost: 1,
      problems: [msg],
      totalMs: Date.now() - t0,
    };
  } finally {
    clearTimeout(timer);
  }
}

function print(o: Outcome): void {
  const recover = Number.isFinite(o.recoverMs) ? `${o.recoverMs} ms` : '-';
  console.log(
    `${o.passed ? 'passed' : 'FAILED'}  ${o.name.padEnd(58)} recover ${recover.padStart(9)}  (${Math.round(o.totalMs / 1000)} s)`,
  );
  for (const p of o.problems) console.log(`        ${p}`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const args = process.argv.slice(2);
  const bounded = args.includes('--bounded') || process.env.SUITE_BOUNDED === '1';
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const concurrency = Number(process.env.FAULTS_CONCURRENCY ?? (bounded ? 3 : 3));
  const kills = Number(process.env.FAULTS_KILLS ?? (bounded ? 10 : 100));
  const seed = Number(process.env.FAULTS_SEED ?? 13);
  const outageMs = bounded ? 8_000 : 30_000;
  const writeDocsFlag = args.includes('--write-docs');
  const chosen = SCENARIOS.filter((s) => (!bounded || s.bounded) && (!only || s.name.includes(only)));

  const t0 = Date.now();
  const sampler = setInterval(() => loads.push(loadavg()[0]!), 15_000);
  sampler.unref();
  loads.push(loadavg()[0]!);
  const suite = await startSuite();
  console.log(
    `suite:faults ${bounded ? 'bounded' : 'full'}: ${chosen.length} scenarios, then ${kills} random kills (seed ${seed}); sandbox ${suite.dir}`,
  );
  const outcomes: Outcome[] = [];
  let rk: RandomKillResult | undefined;
  try {
    console.log(
      `worker warm-up (tsx compile): ${await warmUp(suite)} ms; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    const shared = chosen.filter((s) => !s.exclusive);
    let next = 0;
    const pool = Promise.all(
      Array.from({ length: Math.max(1, concurrency) }, async () => {
        while (next < shared.length) record(await runOne(shared[next++]!, suite, outageMs));
      }),
    );
    // The random-kill run has its own queue and worker: it runs beside the shared scenarios (not the exclusive
    // ones, which restart Temporal or freeze moto under everything).
    const random =
      kills > 0 && (!only || 'random-kill'.includes(only))
        ? (async () => {
            const k0 = Date.now();
            const r = await randomKill(suite, {
              kills,
              seed,
              concurrency: bounded ? 4 : 8,
              intervalMs: bounded ? [500, 2500] : [300, 1500],
            });
            const ok = r.duplicates === 0 && r.lost === 0 && r.problems.length === 0;
            console.log(
              `${ok ? 'passed' : 'FAILED'}  random-kill: ${r.kills} kills over ${r.operations} concurrent deploys in ${Math.round((Date.now() - k0) / 1000)} s; ` +
                `worker back p50 ${pct(r.restartMs, 50)} ms max ${Math.max(...r.restartMs)} ms; ` +
                `first progress p50 ${pct(r.progressMs, 50)} ms max ${Math.max(0, ...r.progressMs)} ms; operation p50 ${pct(r.operationMs, 50)} ms max ${Math.max(0, ...r.operationMs)} ms`,
            );
            for (const p of r.problems.slice(0, 20)) console.log(`        ${p}`);
            return r;
          })()
        : Promise.resolve(undefined);
    [, rk] = await Promise.all([pool, random]);
    for (const s of chosen.filter((x) => x.exclusive)) record(await runOne(s, suite, outageMs));
  } finally {
    killAllChildren();
    await suite.stop();
  }

  const totals = summarize(outcomes, rk, t0);
  console.log('');
  console.log(`suite:faults: ${totals.passed} passed, ${totals.failed} failed`);
  console.log(`duplicate side effects: ${totals.duplicates}`);
  console.log(`lost or stuck: ${totals.lost}`);
  console.log(`time to recover p50/max: ${recoverText(totals)}`);
  console.log(
    `total ${totals.seconds} s; load average mean ${totals.loadMean.toFixed(1)} max ${totals.loadMax.toFixed(1)}`,
  );
  if (writeDocsFlag) {
    writeDocs({ bounded, seed, kills, only, outcomes: sorted(outcomes), randomKill: rk, totals });
    console.log('docs/reliability.md: suite:faults section rewritten');
  }
  process.exitCode = totals.failed > 0 || totals.duplicates > 0 || totals.lost > 0 ? 1 : 0;

  function sorted(list: Outcome[]): Outcome[] {
    const order = new Map(chosen.map((s, i) => [s.name, i]));
    return [...list].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  }
  /** With --write-docs, the section is rewritten after every scenario too, marked partial until the run ends. */
  function record(o: Outcome): void {
    print(o);
    outcomes.push(o);
    if (writeDocsFlag)
      writeDocs({
        bounded,
        seed,
        kills,
        only,
        outcomes: sorted(outcomes),
        randomKill: undefined,
        totals: summarize(outcomes, undefined, t0),
        partial: `${outcomes.length} of ${chosen.length} scenarios so far; the random-kill run had not run yet`,
      });
  }
}

const loads: number[] = [];

function summarize(outcomes: readonly Outcome[], rk: RandomKillResult | undefined, t0: number) {
  const rkPassed = rk ? rk.duplicates === 0 && rk.lost === 0 && rk.problems.length === 0 : true;
  const passed = outcomes.filter((o) => o.passed).length + (rk && rkPassed ? 1 : 0);
  const failed = outcomes.length - outcomes.filter((o) => o.passed).length + (rk && !rkPassed ? 1 : 0);
  const duplicates = outcomes.reduce((n, o) => n + o.duplicates, 0) + (rk?.duplicates ?? 0);
  const lost = outcomes.reduce((n, o) => n + o.lost, 0) + (rk?.lost ?? 0);
  const recover = outcomes.map((o) => o.recoverMs).filter(Number.isFinite);
  return {
    passed,
    failed,
    duplicates,
    lost,
    recoverP50: pct(recover, 50),
    recoverMax: Math.max(0, ...recover),
    seconds: Math.round((Date.now() - t0) / 1000),
    loadMean: loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length),
    loadMax: Math.max(0, ...loads),
  };
}

// Exits when done: a Temporal connection or timer left behind must not keep a finished run alive.
main().then(
  () => process.exit(),
  (e: unknown) => {
    console.error(e);
    killAllChildren();
    process.exit(2);
  },
);
