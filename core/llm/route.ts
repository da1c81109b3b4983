import { parseCommand } from '../commands/parse';
import { commandLine } from '../commands/tool-schema';
import { guardRefusal } from './guard';
import type { Interpretation, Proposal, RefusedCall } from './interpretation';
import { matchNearMiss } from './near-miss';
import type { Candidate } from './near-miss';
import type { ProposalContext } from './proposal';
import { isProposal, judgeToolUse } from './proposal';

/** Judges deterministic candidates exactly like a model's tool calls (grammar, then permissions). */
export function judgeCandidates(candidates: readonly Candidate[], ctx: ProposalContext): Interpretation {
  const judged = candidates.map((c, i) =>
    judgeToolUse({ toolUseId: `candidate-${i}`, name: c.name, input: c.args }, ctx),
  );
  return fromJudged(judged, []);
}

/** Proposals if any survived; otherwise a refusal (permissions) or a question (nothing valid). */
export function fromJudged(
  judged: readonly (Proposal | RefusedCall)[],
  suggestions: readonly string[],
): Interpretation {
  const proposals = judged.filter(isProposal);
  const refused = judged.filter((j): j is RefusedCall => !isProposal(j));
  if (proposals.length) return { kind: 'proposals', proposals, refused };
  const hard = refused.filter((r) => r.kind !== 'grammar');
  if (hard.length) return { kind: 'refuse', reason: hard.map((r) => r.reason).join('; '), refused };
  return {
    kind: 'clarify',
    question: `I could not turn that into a valid command${refused[0] ? ` (${refused[0].reason})` : ''}.`,
    suggestions,
  };
}

/**
 * Free text to an interpretation with no model: the grammar, then the refusal guard, then the near-miss
 * matcher. The model path uses the same first two steps, so both refuse the same things.
 */
export function interpretOffline(
  text: string,
  ctx: ProposalContext,
): { interpretation: Interpretation; source: 'grammar' | 'guard' | 'near-miss' } {
  const parsed = parseCommand(text, ctx);
  if (parsed.ok) {
    const { name, ...args } = parsed.command;
    const judged = judgeToolUse({ toolUseId: 'grammar', name, input: args }, ctx);
    return { interpretation: fromJudged([judged], []), source: 'grammar' };
  }
  const refusal = guardRefusal(text);
  if (refusal) return { interpretation: { kind: 'refuse', reason: refusal }, source: 'guard' };
  const m = matchNearMiss(text, ctx);
  if (m.kind === 'candidates') return { interpretation: judgeCandidates(m.candidates, ctx), source: 'near-miss' };
  return { interpretation: m, source: 'near-miss' };
}

/** Command lines to offer when nothing better is known (for "did you mean" and failed model calls). */
export function offlineSuggestions(text: string, ctx: ProposalContext): string[] {
  const { interpretation: i } = interpretOffline(text, ctx);
  if (i.kind === 'proposals') return i.proposals.map((p) => p.line);
  if (i.kind === 'clarify') return [...i.suggestions];
  return [];
}

export { commandLine };
