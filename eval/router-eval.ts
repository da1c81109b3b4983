import { userInfo } from 'node:os';
import { createBedrockModel } from '../adapters/llm/bedrock-converse';
import type { ModelPort } from '../adapters/llm/bedrock-converse';
import type { Interpretation } from '../core/llm/interpretation';
import type { ProposalContext } from '../core/llm/proposal';
import { interpretOffline } from '../core/llm/route';
import { startFakeBedrock } from '../test/support/fake-bedrock/server';
import type { FakeBedrock } from '../test/support/fake-bedrock/server';
import { loadConfig } from '../worker/config-loader';
import type { RouterCase } from './cases';
import { canonical, loadCases, outcomeOf, same, strayCommands } from './cases';
import { interpretWithModel, oracle } from './model-path';

/**
 * `npm run eval:router`: scores routing on eval/router-cases.jsonl.
 *  1. offline: the grammar + refusal guard + near-miss matcher (what runs with no model);
 *  2. model: real Bedrock when INFRA_AGENT_LLM_MODEL_ID and AWS credentials are set, otherwise the local fake
 *     Converse server answering with the labels (proves the harness and the judging; not a model score).
 * Per category it prints the accuracy and the two ways of answering with a different command than the one asked
 * for (the goal is 0 for both): `routed` — proposed a command the label does not name; `offered` — suggested one
 * in a question (see strayCommands in ./cases).
 * Flags: --verbose (list every miss), --offline-only, --min-offline <0..1> (fail below this accuracy),
 * --category <name> (only that category).
 */
async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const minIdx = argv.indexOf('--min-offline');
  const minOffline = minIdx >= 0 ? Number(argv[minIdx + 1]) : 0;
  const config = loadConfig();
  const stacks = Object.keys(config.stacks);
  // An approver in every environment, so permissions do not hide routing mistakes.
  const ctx: ProposalContext = {
    stacks,
    services: Object.keys(config.services),
    releases: Object.keys(config.releases),
    permissions: { userId: userInfo().username, known: true, approverIn: ['dev', 'tst', 'prd'] },
    autoRun: { environments: [], unscoped: false },
  };
  const catIdx = argv.indexOf('--category');
  const cases = loadCases().filter((c) => catIdx < 0 || c.category === argv[catIdx + 1]);
  const expected = new Map(cases.map((c) => [c.id, canonical(c.expect, ctx)]));

  const offline = score(cases, expected, ctx, (c) => interpretOffline(c.text, ctx).interpretation);
  report('offline: grammar + guard + near-miss matcher', offline, verbose);

  if (!argv.includes('--offline-only')) {
    const { model, label, close } = await chooseModel(cases, ctx);
    try {
      const results = new Map<string, Interpretation>();
      let tokens = 0;
      const t0 = Date.now();
      for (const c of cases) {
        try {
          const r = await interpretWithModel(c.text, ctx, model);
          results.set(c.id, r.interpretation);
          tokens += (r.usage?.inputTokens ?? 0) + (r.usage?.outputTokens ?? 0);
        } catch (e) {
          results.set(c.id, { kind: 'unavailable', reason: (e as Error).name, suggestions: [] });
        }
      }
      report(
        `model: ${label} (${tokens} tokens, ${Date.now() - t0} ms)`,
        // The model path has no answer of its own for "not something infra-agent does": it asks instead.
        score(cases, new Map([...expected].map(([id, e]) => [id, e === 'unsupported' ? 'clarify' : e])), ctx, (c) =>
          results.get(c.id)!,
        ),
        verbose,
      );
    } finally {
      await close();
    }
  }
  return offline.correct / cases.length >= minOffline ? 0 : 1;
}

async function chooseModel(
  cases: readonly RouterCase[],
  ctx: ProposalContext,
): Promise<{ model: ModelPort; label: string; close: () => Promise<void> }> {
  const modelId = process.env.INFRA_AGENT_LLM_MODEL_ID;
  const hasAws = Boolean(
    process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );
  if (modelId && hasAws) {
    const region = process.env.AWS_REGION ?? 'us-east-1';
    return {
      model: createBedrockModel({ modelId, region, timeoutMs: 60_000 }),
      label: `Bedrock ${modelId} in ${region}`,
      close: () => Promise.resolve(),
    };
  }
  const fake: FakeBedrock = await startFakeBedrock({ fallback: oracle(cases, ctx) });
  return {
    model: createBedrockModel({
      modelId: 'fake.oracle',
      region: 'us-east-1',
      endpoint: fake.endpoint,
      credentials: { accessKeyId: 'eval', secretAccessKey: 'eval' },
      timeoutMs: 10_000,
    }),
    label: `local fake Converse server answering with the labels (harness check, not a model score; set INFRA_AGENT_LLM_MODEL_ID and AWS credentials for Bedrock)`,
    close: () => fake.close(),
  };
}

interface Tally {
  n: number;
  ok: number;
  /** Cases that proposed a command the label does not name. */
  routed: number;
  /** Cases whose question or failure suggested a command the label does not name. */
  offered: number;
}

interface Score {
  readonly correct: number;
  readonly byCategory: Map<string, Tally>;
  readonly misses: { c: RouterCase; got: string[] | string; stray: string[] }[];
}

function score(
  cases: readonly RouterCase[],
  expected: Map<string, string[] | string>,
  ctx: ProposalContext,
  run: (c: RouterCase) => Interpretation,
): Score {
  const byCategory = new Map<string, Tally>();
  const misses: Score['misses'] = [];
  let correct = 0;
  for (const c of cases) {
    const i = run(c);
    const got = outcomeOf(i);
    const ok = same(got, expected.get(c.id) ?? '');
    const { routed, offered } = strayCommands(c, i, ctx);
    const s = byCategory.get(c.category) ?? { n: 0, ok: 0, routed: 0, offered: 0 };
    byCategory.set(c.category, {
      n: s.n + 1,
      ok: s.ok + (ok ? 1 : 0),
      routed: s.routed + (routed.length ? 1 : 0),
      offered: s.offered + (offered.length ? 1 : 0),
    });
    if (ok) correct++;
    const stray = [...routed.map((n) => `ran ${n}`), ...offered.map((n) => `offered ${n}`)];
    if (!ok || stray.length) misses.push({ c, got, stray });
  }
  return { correct, byCategory, misses };
}

function report(title: string, s: Score, verbose: boolean): void {
  const all = [...s.byCategory.values()];
  const sum = (k: keyof Tally) => all.reduce((a, b) => a + b[k], 0);
  const total = sum('n');
  const pct = (ok: number, n: number) => `${((100 * ok) / n).toFixed(1).padStart(5)}%`;
  const line = (name: string, v: Tally) =>
    `  ${name.padEnd(12)} ${pct(v.ok, v.n)}  (${v.ok}/${v.n})`.padEnd(36) +
    `different command: routed ${v.routed}/${v.n}, offered ${v.offered}/${v.n}`;
  console.log(`\n${title}`);
  for (const [cat, v] of s.byCategory) console.log(line(cat, v));
  console.log(line('overall', { n: total, ok: s.correct, routed: sum('routed'), offered: sum('offered') }));
  if (verbose)
    for (const m of s.misses)
      console.log(
        `  ${m.stray.length ? 'STRAY' : 'miss'} ${m.c.id}: ${JSON.stringify(m.c.text)} expected ${JSON.stringify(m.c.expect)} got ${JSON.stringify(m.got)}${m.stray.length ? ` (${m.stray.join(', ')})` : ''}`,
      );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
