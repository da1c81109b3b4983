/**
 * npm run suite:inputs — at least 300 bad inputs sent to the real product (the bot over HTTP with real signatures
 * against a local Slack, and the terminal's executeLine), on a private sandbox (Temporal + moto) of its own. Each
 * must get a clear answer (names what was wrong; no crash, no stack trace, no 500) and lose nothing (no workflow
 * started, no audit record torn, the chain verifies, `/infra help` still answered). SUITE_BOUNDED=1 or --bounded
 * runs a seeded sample for CI; --write-docs rewrites this suite's section of docs/reliability.md.
 */
import { executeLine } from '../cli/execute';
import { MAX_REQUEST_CHARS } from '../core/limits';
import { person } from '../test/support/sandbox';
import { openGateway } from '../worker/client-compose';
import type { InputCase } from './support/inputs-table';
import { PINGS, garbageCases, grammarCases, lengthCases } from './support/inputs-table';
import type { SlashAnswer, SuiteWorld } from './support/harness';
import { ALICE, BOB, checkAudit, crashed, mention, slash, startWorld, workflowCount } from './support/harness';
import { payloadCases } from './support/payloads';
import { CaseLog, bounded, sample, seeded, writeDocSection } from './support/report';

const SEED = 13;
const BOUNDED_SAMPLE = 60;

async function main(): Promise<number> {
  const t0 = Date.now();
  const isBounded = bounded();
  const rnd = seeded(SEED);
  const all: InputCase[] = [...grammarCases(), ...lengthCases(MAX_REQUEST_CHARS), ...garbageCases(rnd, 40)];
  const payloads = payloadCases();
  const lines = isBounded ? sample(all, BOUNDED_SAMPLE - 12, seeded(SEED)) : all;
  const bodies = isBounded ? sample(payloads, 12, seeded(SEED)) : payloads;
  console.log(
    `suite:inputs: ${isBounded ? 'bounded' : 'full'} run of ${lines.length + bodies.length + 1} cases (seed ${SEED})`,
  );

  const w = await startWorld('inputs');
  const log = new CaseLog();
  let answered = 0;
  try {
    const session = await openGateway(w.config, { pollMs: 100 });
    const runsBefore = await workflowCount(w);
    for (const c of lines) {
      await log.run(c.group, c.name, async () => {
        const a = await send(w, session, c);
        const problem = judge(a, c);
        if (!problem) answered++;
        return problem;
      });
    }
    for (const c of bodies) {
      await log.run(c.group, c.name, async () => {
        const problem = await c.check(w);
        if (!problem) answered++;
        return problem;
      });
    }
    await session.close();

    // Nothing lost: no run started, audit whole and chained, and the bot still answers someone else.
    const started = (await workflowCount(w)) - runsBefore;
    const audit = checkAudit(w);
    await log.run('afterwards', 'nothing started, audit whole, help still answered', async () => {
      if (started !== 0) return `${started} workflow runs were started by bad input`;
      if (audit.torn !== 0) return `${audit.torn} torn audit records`;
      if (audit.brokenAt !== undefined) return `the audit chain breaks at seq ${audit.brokenAt}`;
      const help = await slash(w, BOB, 'help');
      return help.text.includes('infra-agent commands') ? undefined : `help answered: ${help.text.slice(0, 200)}`;
    });

    const passed = log.results.length - log.failed.length;
    const figures = [
      `cases: ${log.results.length} (${lines.length} typed lines, ${bodies.length} Slack bodies, 1 afterwards check)`,
      `clear answers: ${answered} of ${lines.length + bodies.length}`,
      `workflows started by bad input: ${started} (must be 0)`,
      `audit: ${audit.records.length} records, ${audit.torn} torn, chain ${audit.brokenAt === undefined ? 'verified' : `broken at seq ${audit.brokenAt}`}`,
      `time: ${Math.round((Date.now() - t0) / 1000)} s`,
    ];
    for (const l of log.groupLines()) console.log(l);
    for (const f of figures) console.log(f);
    const total = `suite:inputs: ${passed} passed, ${log.failed.length} failed`;
    console.log(total);
    if (process.argv.includes('--write-docs'))
      writeDocSection('suite:inputs', docSection(log, figures, total, isBounded));
    return log.failed.length === 0 ? 0 : 1;
  } finally {
    await w.stop();
  }
}

/** Sends one line through its front end and returns what the person would read. */
async function send(
  w: SuiteWorld,
  session: Awaited<ReturnType<typeof openGateway>>,
  c: InputCase,
): Promise<SlashAnswer & { code?: number }> {
  if (c.via === 'slack') return slash(w, ALICE, c.line);
  if (c.via === 'mention') return mention(w, ALICE, c.line);
  const out: string[] = [];
  const t0 = Date.now();
  const code = await executeLine(session, person('alice'), c.line, {
    out: (s) => out.push(s),
    err: (s) => out.push(s),
  });
  return { status: 200, text: out.join('\n'), ackMs: Date.now() - t0, code };
}

/** What is wrong with an answer to a bad input, or undefined when it is a clear answer. */
function judge(a: SlashAnswer & { code?: number }, c: InputCase): string | undefined {
  if (a.status !== 200) return `HTTP ${a.status}: ${a.text.slice(0, 200)}`;
  if (a.text === '(no answer)') return 'no answer';
  const crash = crashed(a.text);
  if (crash) return `looks like a crash (${crash}): ${a.text.slice(0, 300)}`;
  if (a.code === 0) return `the terminal ran it (exit 0): ${a.text.slice(0, 200)}`;
  if (c.via !== 'cli') {
    const ping = PINGS.find((p) => a.text.includes(p));
    if (ping) return `re-posted ${ping} raw: ${a.text.slice(0, 300)}`;
  }
  if (!c.expect.some((e) => a.text.includes(e)))
    return `the answer names none of ${JSON.stringify(c.expect)}: ${a.text.slice(0, 300)}`;
  return undefined;
}

function docSection(log: CaseLog, figures: string[], total: string, isBounded: boolean): string {
  return [
    `### suite:inputs (${isBounded ? 'bounded' : 'full'} run, ${new Date().toISOString().slice(0, 10)})`,
    '',
    '```',
    ...log.groupLines(),
    ...figures,
    total,
    '```',
    ...(log.failed.length
      ? ['', 'Failing cases:', '', ...log.failed.map((f) => `- [${f.group}] ${f.name}: ${f.problem?.slice(0, 200)}`)]
      : []),
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
