import { diagnosisText } from '../core/llm/diagnose';
import type { InterpretResult, Proposal } from '../core/llm/interpretation';
import type { Requester } from '../core/requester';
import { isSlotError } from '../core/commands/parse';
import { cliName } from './cli-name';
import type { Session } from './session';

/** Where answers go (the same shape as execute's Output). */
interface Out {
  out(text: string): void;
  err(text: string): void;
}

/** How understood text is run once the person agrees: exactly as if they had typed the line. */
export type Dispatch = (line: string) => Promise<number>;

interface Pending {
  readonly result: InterpretResult;
  readonly requester: Requester;
}

/** Proposals waiting for y / e / n in the chat REPL, per session (the REPL has one person). */
const pending = new WeakMap<Session, Pending>();

const ANSWER = /^(y|yes|e|edit|n|no)$/i;

/** True when the line answers a proposal shown earlier in this session. */
export function isProposalAnswer(session: Session, line: string): boolean {
  return pending.has(session) && ANSWER.test(line.trim());
}

/** Runs, offers for editing, or drops the proposal waiting in this session. */
export async function answerProposal(session: Session, line: string, o: Out, dispatch: Dispatch): Promise<number> {
  const p = pending.get(session);
  pending.delete(session);
  if (!p) return 2;
  const lines = p.result.kind === 'proposals' ? p.result.proposals.map((x) => x.line) : [];
  const a = line.trim().toLowerCase()[0];
  if (a === 'y') {
    await session.gateway.recordProposalDecision(p.result.id, 'accepted', lines, p.requester);
    return runAll(lines, dispatch);
  }
  await session.gateway.recordProposalDecision(p.result.id, 'declined', lines, p.requester);
  o.out(a === 'e' ? `edit and send it:\n${lines.map((l) => `  ${l}`).join('\n')}` : 'cancelled; nothing was run');
  return a === 'e' ? 2 : 0;
}

async function runAll(lines: readonly string[], dispatch: Dispatch): Promise<number> {
  let code = 0;
  for (const l of lines) {
    code = await dispatch(l);
    if (code !== 0) break; // a multi-step request stops at the first step that fails or is refused
  }
  return code;
}

function describe(p: Proposal): string {
  const note =
    p.effect === 'write'
      ? '  (changes infrastructure: you will see the preview, and someone else must approve)'
      : p.effect === 'decision'
        ? '  (acts on an operation)'
        : '  (read-only)';
  return `  ${p.line}${note}`;
}

/**
 * Free text the grammar did not parse: ask the gateway what it means and show it. Nothing runs without the
 * person's yes except reads the configuration allows to run at once; writes then take the normal path.
 */
export async function understand(
  session: Session,
  requester: Requester,
  text: string,
  grammarError: string,
  o: Out,
  dispatch: Dispatch,
): Promise<number> {
  const gw = session.gateway;
  const r = await gw.interpret(text, requester);
  const via = r.source === 'model' ? 'I understood' : 'did you mean';
  switch (r.kind) {
    case 'proposals': {
      // A near miss is still "not understood" (stderr, like the grammar's own error); a model's reading is an answer.
      const say = r.source === 'model' ? (t: string) => o.out(t) : (t: string) => o.err(t);
      say(`${r.source === 'model' ? '' : `${grammarError}\n`}${via}:\n${r.proposals.map(describe).join('\n')}`);
      for (const x of r.refused) say(`  not offered: ${x.tool} — ${x.reason}`);
      const lines = r.proposals.map((p) => p.line);
      if (r.proposals.every((p) => p.autoRun)) {
        o.out('running it now (read-only)');
        await gw.recordProposalDecision(r.id, 'accepted', lines, requester);
        return runAll(lines, dispatch);
      }
      pending.set(session, { result: r, requester });
      say(
        `run it? reply y (run), e (edit), n (cancel) — or run it yourself: ${lines.map((l) => `${cliName()} ${l}`).join(' && ')}`,
      );
      return 2;
    }
    case 'clarify':
      o.err(
        [
          // Something the product does not do is said plainly, without "I did not understand".
          r.source === 'model' || (r.unsupported && !isSlotError(grammarError))
            ? r.question
            : `${grammarError}\n${r.question}`,
          ...(r.suggestions.length ? ['try:', ...r.suggestions.map((s) => `  ${s}`)] : []),
        ].join('\n'),
      );
      return 2;
    case 'refuse':
      o.err(r.reason);
      return 1;
    case 'unavailable':
      o.err(
        [r.reason, ...(r.suggestions.length ? ['closest commands:', ...r.suggestions.map((s) => `  ${s}`)] : [])].join(
          '\n',
        ),
      );
      return 1;
    case 'diagnose':
      if (!gw.languageModel) {
        o.err(`${(await gw.diagnose(r.question, requester)).summary}`);
        return 2;
      }
      o.out('investigating (read-only)…');
      o.out(diagnosisText(await gw.diagnose(r.question, requester)));
      return 0;
  }
}
